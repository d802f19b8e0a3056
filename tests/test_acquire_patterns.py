"""Acquire patterns of the lifecycle data: exact names, any receiver (`*.Query`), and a
method of the value a call with any arguments makes (`http.Dir(*).Open`)."""

import pytest

from leaklint.tracks import pattern_matches


@pytest.mark.parametrize("pattern, callee, matches", [
    ("os.Open", "os.Open", True),
    ("os.Open", "xos.Open", False),
    ("*.Query", "db.Query", True),
    ("*.Query", ".Query", False),
    ("http.Dir(*).Open", "http.Dir(root).Open", True),
    ("http.Dir(*).Open", "http.Dir(h.opts.Path).Open", True),
    ("http.Dir(*).Open", "http.Dir.Open", False),
    ("http.Dir(*).Open", "http.Dir(root).OpenFile", False),
    ("http.Dir(*).Open", "myhttp.Dir(root).Open", False),
    ("http.Dir(*).Open", "fs.Open", False),
])
def test_pattern_matches(pattern, callee, matches):
    assert pattern_matches(pattern, callee) is matches
