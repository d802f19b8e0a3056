"""Tests for leaklint.report.fingerprint against GitHub's own test vectors.

The expected values are the published vectors of github/codeql-action:
``src/fingerprints.test.ts`` (test "hash") and the end-to-end SARIF fixture
``src/testdata/fingerprinting.expected.sarif`` with its source files
``src/testdata/testFile1.js`` and ``src/testdata/testFile2.js``.
"""

from __future__ import annotations

import random
import re

import pytest

from leaklint.report.fingerprint import line_hashes, primary_location_line_hash

# The same seven hashes are expected for one text written with four
# different styles of line ending.
_GREETINGS = [
    "e9496ae3ebfced30:1",
    "fb7c023a8b9ccb3f:1",
    "ce8ba1a563dcdaca:1",
    "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1",
    "c8e28b0b4002a3a0:1",
    "c129715d7a2bc9a3:1",
]

VECTORS = [
    pytest.param("", ["c129715d7a2bc9a3:1"], id="empty-file"),
    pytest.param(
        " a\nb\n  \t\tc\n d",
        [
            "271789c17abda88f:1",
            "54703d4cd895b18:1",
            "180aee12dab6264:1",
            "a23a3dc5e078b07b:1",
        ],
        id="leading-whitespace",
    ),
    pytest.param(
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
        id="lf-no-final-newline",
    ),
    pytest.param(
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
        _GREETINGS,
        id="lf",
    ),
    pytest.param(
        " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
        _GREETINGS,
        id="cr",
    ),
    pytest.param(
        " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
        _GREETINGS,
        id="crlf",
    ),
    pytest.param(
        " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        _GREETINGS,
        id="mixed-line-endings",
    ),
    pytest.param(
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            "a7f2ff13bc495cf2:1",
            "a7f2ff13bc495cf2:2",
            "a7f2ff13bc495cf2:3",
            "a7f2ff13bc495cf2:4",
            "a7f2ff13bc495cf2:5",
            "a7f2ff13bc495cf2:6",
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            "c129715d7a2bc9a3:1",
        ],
        id="repeated-lines",
    ),
    pytest.param(
        "x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n",
        [
            "e54938cc54b302f1:1",
            "bb609acbe9138d60:1",
            "1131fd5871777f34:1",
            "5c482a0f8b35ea28:1",
            "54517377da7028d2:1",
            "2c644846cb18d53e:1",
            "f1b89f20de0d133:1",
            "c129715d7a2bc9a3:1",
        ],
        id="repeated-lines-different-context",
    ),
]


def _line_count(text: str) -> int:
    return len(re.split(r"\r\n|\r|\n", text))


@pytest.mark.parametrize(("text", "expected"), VECTORS)
def test_published_vectors(text: str, expected: list[str]) -> None:
    assert line_hashes(text) == expected
    assert len(expected) == _line_count(text)


@pytest.mark.parametrize(("text", "expected"), VECTORS)
def test_single_line_lookup(text: str, expected: list[str]) -> None:
    for line, want in enumerate(expected, start=1):
        assert primary_location_line_hash(text, line) == want


# End-to-end fixture: SARIF results on these files get these hashes.
_TEST_FILE_1 = "var a = 0;\nvar b = 0;\nvar c = 0;\nvar d = 0;\n"
_TEST_FILE_2 = "var foo = 0;\nvar bar = 0;\nvar baz = 0;\nvar qux = 0;\n"


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        pytest.param(_TEST_FILE_1, 1, "5e4d5a9cf1294ad9:1", id="testFile1.js:1"),
        pytest.param(_TEST_FILE_2, 2, "f7592a95a9381ac0:1", id="testFile2.js:2"),
    ],
)
def test_sarif_fixture(text: str, line: int, expected: str) -> None:
    assert primary_location_line_hash(text, line) == expected


def test_whitespace_only_matches_empty() -> None:
    # Spaces and tabs are ignored entirely, so a blank-only file hashes like
    # an empty one, and indentation never changes a hash.
    assert line_hashes(" \t  \t") == ["c129715d7a2bc9a3:1"]
    assert line_hashes("  \n\t\n") == line_hashes("\n\n")
    assert line_hashes("\tvar a = 0;\n") == line_hashes("var a = 0;\n")


def test_cr_blank_lf_is_two_line_breaks() -> None:
    # Only an LF that directly follows a CR is folded into it.
    assert line_hashes("a\r \nb") == line_hashes("a\n\nb")
    assert len(line_hashes("a\r\t\nb")) == 3


def test_out_of_range_line() -> None:
    with pytest.raises(ValueError):
        primary_location_line_hash("a\nb", 0)
    with pytest.raises(ValueError):
        primary_location_line_hash("a\nb", 3)


def _reference(text: str) -> list[str]:
    """Slow character-at-a-time model of the upload action's rolling hash."""
    span, mask = 100, (1 << 64) - 1
    top = pow(37, span, 1 << 64)
    ring = [0] * span
    owner = [0] * span  # line number starting at this slot, 0 for none
    pos = value = line = 0
    at_line_start, after_cr = True, False
    seen: dict[str, int] = {}
    out: list[str] = []

    def emit() -> None:
        digits = format(value, "x")
        seen[digits] = seen.get(digits, 0) + 1
        assert owner[pos] == len(out) + 1
        out.append(f"{digits}:{seen[digits]}")
        owner[pos] = 0

    def push(unit: int) -> None:
        nonlocal value, pos
        value = (value * 37 + unit - top * ring[pos]) & mask
        ring[pos] = unit
        pos = (pos + 1) % span

    raw = text.encode("utf-16-le", "surrogatepass")
    units = [int.from_bytes(raw[i : i + 2], "little") for i in range(0, len(raw), 2)]
    for unit in units + [0xFFFF]:
        if unit in (0x20, 0x09) or (after_cr and unit == 0x0A):
            after_cr = False
            continue
        after_cr = unit == 0x0D
        if after_cr:
            unit = 0x0A
        if owner[pos]:
            emit()
        if at_line_start:
            at_line_start = False
            line += 1
            owner[pos] = line
        at_line_start = unit == 0x0A
        push(unit)
    for _ in range(span):
        if owner[pos]:
            emit()
        push(0)
    return out


def test_reference_model_agrees_with_vectors() -> None:
    for param in VECTORS:
        text, expected = param.values
        assert _reference(text) == expected


def test_matches_reference_on_random_text() -> None:
    rng = random.Random(20240613)
    alphabet = ["a", "Z", "0", ";", " ", "\t", "\n", "\r", "\r\n", "é", "\u20ac", "\U0001f600", "\ufeff", "\uffff"]
    weights = [8, 4, 4, 2, 6, 2, 3, 2, 2, 1, 1, 1, 1, 1]
    for _ in range(300):
        size = rng.choice([0, 1, 3, 20, 99, 100, 101, 250, 600])
        text = "".join(rng.choices(alphabet, weights, k=size))
        assert line_hashes(text) == _reference(text), repr(text)
        assert len(line_hashes(text)) == _line_count(text)


def test_long_lines_and_repeats() -> None:
    text = ("x" * 250 + "\n") * 5 + ("short\n" * 200)
    hashes = line_hashes(text)
    assert hashes == _reference(text)
    assert len(hashes) == _line_count(text)
