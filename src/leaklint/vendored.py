"""Other projects' code in a tree, which nobody edits there (``contexts`` puts it in the
generated-code context): a third-party directory, one named for a release of a package
(``pdfjs-5.2.133/``, ``jquery-3.7.1/``), and what the repository's own ``.gitattributes``
(at the root) marks with GitHub's linguist attributes as vendored (``linguist-vendored``)
or generated (``linguist-generated``), which code review on GitHub already folds away.

Patterns match as gitignore patterns do (``libs/*`` also covers files below ``libs/``);
an unset attribute (``-linguist-vendored``, ``linguist-vendored=false``) takes a path back
when a later line says so, as in git. Lines that cannot be used are passed over: the
file is the repository's, not leaklint's configuration.
"""

from __future__ import annotations

import functools
import os
import re
import warnings

import pathspec

from .safe_io import ReadRefused, read_regular

VENDORED_DIRS = frozenset({"third_party", "third-party", "thirdparty", "bower_components"})
VERSIONED_COPY = re.compile(r"^[A-Za-z][\w.+]*-v?\d+\.\d+(?:\.\d+)?(?:[-.][\w.]+)?$")
ATTRIBUTES = ("linguist-generated", "linguist-vendored")
MAX_BYTES = 256 * 1024


def marked(root: str) -> tuple:
    """((attribute, (pattern, ...)), ...) from ``root``'s .gitattributes, each attribute's
    patterns in file order, an unset one as ``!pattern``; () when there is none."""
    try:
        data = read_regular(os.path.join(root, ".gitattributes"), MAX_BYTES)
    except (ReadRefused, OSError):
        return ()
    out: dict = {}
    for line in data.decode("utf-8", "replace").splitlines():
        fields = line.split()
        if len(fields) < 2 or fields[0].startswith(("#", '"', "!")):
            continue
        for attr in fields[1:]:
            name, _, value = attr.lstrip("-!").partition("=")
            if name in ATTRIBUTES and _usable(fields[0]):
                on = not attr.startswith(("-", "!")) and value in ("", "true")
                out.setdefault(name, []).append(fields[0] if on else "!" + fields[0])
    return tuple((name, tuple(patterns)) for name, patterns in sorted(out.items()))


def _usable(pattern: str) -> bool:
    try:
        _spec((pattern,))
    except Exception:  # pathspec's own errors, of several kinds
        return False
    return True


@functools.lru_cache(maxsize=64)
def _spec(patterns: tuple) -> pathspec.GitIgnoreSpec:
    with warnings.catch_warnings():  # the repository's odd patterns are not the user's to see
        warnings.simplefilter("ignore")
        return pathspec.GitIgnoreSpec.from_lines(patterns)


# the readable build a library ships beside its minified one (`ext-all-debug.js` beside
# `ext-all.js`, `dojo.js.uncompressed.js` beside `dojo.js`)
BUILD_SUFFIXES = ("-debug", ".debug", "-uncompressed", ".uncompressed")
BUILD_EXTENSIONS = (".js", ".mjs", ".cjs")


def library_build(path: str) -> str:
    """Why ``path`` is the readable build of a library shipped beside its minified build
    (its name is that build's with a debug suffix); "" when it is not."""
    stem, ext = os.path.splitext(os.path.basename(path))
    if ext not in BUILD_EXTENSIONS:
        return ""
    for suffix in BUILD_SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            twin = stem[:-len(suffix)]
            twin = twin if twin.endswith(ext) else twin + ext
            if os.path.isfile(os.path.join(os.path.dirname(path), twin)):
                return (f"it is the readable build of a library shipped beside its minified "
                        f"build ({twin}), another project's code")
    return ""


def why(marks: tuple, rel: str, dirs: list) -> str:
    """Why the file at ``rel`` (relative to the root, under the directories ``dirs``) is
    another project's code; "" when it is not. ``marks``: ``marked``'s answer."""
    for name, patterns in marks:
        if _spec(patterns).match_file(rel):
            return f"the repository's .gitattributes marks it {name}"
    vendored = next((d for d in dirs if d in VENDORED_DIRS or VERSIONED_COPY.match(d)), None)
    if vendored:
        return (f"it is under `{vendored}/`, a vendored copy of another project's code, "
                "which nobody edits here")
    return ""
