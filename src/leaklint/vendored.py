"""Other projects' code in a tree, which nobody edits there (``contexts`` puts it in the
generated-code context): a third-party directory (``third_party/``, a Python package's
``_vendor/`` of bundled copies), one named for a release of a package
(``pdfjs-5.2.133/``, ``jquery-3.7.1/``), what the repository's own ``.gitattributes``
(at the root) marks with GitHub's linguist attributes as vendored (``linguist-vendored``)
or generated (``linguist-generated``), which code review on GitHub already folds away,
and a Python program's bundled dependencies: a directory of the root, not a package
itself, that holds several of the packages the root's requirements files name
(``lib/requests/``, ``lib/urllib3/``, ``lib/cherrypy/``, put on the import path by the
program).

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

from .ignore_patterns import compiled
from .safe_io import ReadRefused, read_regular

VENDORED_DIRS = frozenset({"third_party", "third-party", "thirdparty", "bower_components", "_vendor"})
VERSIONED_COPY = re.compile(r"^[A-Za-z][\w.+]*-v?\d+\.\d+(?:\.\d+)?(?:[-.][\w.]+)?$")
ATTRIBUTES = ("linguist-generated", "linguist-vendored")
DEPENDENCIES = "dependencies"  # the kind of mark of a directory of bundled dependencies
MAX_BYTES = 256 * 1024
MIN_BUNDLED = 3  # named requirements a directory must hold to be one of bundled dependencies
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def marked(root: str) -> tuple:
    """((attribute, (pattern, ...)), ...) from ``root``'s .gitattributes, each attribute's
    patterns in file order, an unset one as ``!pattern``, and (DEPENDENCIES, ("lib/",
    ...)) for the directories of bundled dependencies; () when there is none."""
    bundled = dependency_dirs(root)
    found = ((DEPENDENCIES, tuple(d + "/" for d in bundled)),) if bundled else ()
    return _attributes(root) + found


def dependency_dirs(root: str) -> tuple:
    """The directories of ``root`` that bundle dependencies: not a package themselves,
    they hold at least ``MIN_BUNDLED`` importable packages or modules (not projects of
    their own, with a setup.py or pyproject.toml) that the root's requirements files name."""
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return ()
    required = set()
    for name in names:
        if name.startswith("requirements") and name.endswith(".txt"):
            for line in _read(os.path.join(root, name)).decode("utf-8", "replace").splitlines():
                m = _REQUIREMENT.match(line)
                if m:
                    required.add(_normal(m.group(1)))
    if len(required) < MIN_BUNDLED:
        return ()
    out = []
    for d in names:
        path = os.path.join(root, d)
        if d.startswith(".") or os.path.islink(path) or not os.path.isdir(path) \
                or os.path.exists(os.path.join(path, "__init__.py")):
            continue
        try:
            inside = os.listdir(path)
        except OSError:
            continue
        bundled = [n for n in inside if _normal(n[:-3] if n.endswith(".py") else n) in required
                   and _importable(os.path.join(path, n))]
        if len(bundled) >= MIN_BUNDLED:
            out.append(d)
    return tuple(out)


def _importable(path: str) -> bool:
    """A module, or a package that is not a project of its own."""
    if path.endswith(".py"):
        return os.path.isfile(path)
    return os.path.isfile(os.path.join(path, "__init__.py")) and not any(
        os.path.exists(os.path.join(path, f)) for f in ("setup.py", "pyproject.toml"))


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _read(path: str) -> bytes:
    try:
        return read_regular(path, MAX_BYTES)
    except (ReadRefused, OSError):
        return b""


def _attributes(root: str) -> tuple:
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


def _spec(patterns: tuple):
    with warnings.catch_warnings():  # the repository's odd patterns are not the user's to see
        warnings.simplefilter("ignore")
        return compiled(patterns)


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
            if name == DEPENDENCIES:
                return (f"it is under `{rel.split('/', 1)[0]}/`, which holds packages the "
                        "repository's requirements name: bundled copies of other projects' code")
            return f"the repository's .gitattributes marks it {name}"
    vendored = next((d for d in dirs if d in VENDORED_DIRS or VERSIONED_COPY.match(d)), None)
    if vendored:
        return (f"it is under `{vendored}/`, a vendored copy of another project's code, "
                "which nobody edits here")
    return ""
