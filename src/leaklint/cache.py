"""The result cache: a file's analysis result keyed on its content and everything else
that decides it (leaklint's version and code, the enabled rules and the settings).

Where: the user's cache directory (``$XDG_CACHE_HOME/leaklint``, else
``~/.cache/leaklint``), or the directory named by ``--cache-dir`` or
``LEAKLINT_CACHE_DIR``. The scanned tree may be an attacker's, so:

- every index file is authenticated with HMAC-SHA256 under a per-installation secret
  (``key``, 32 random bytes, mode 0600, created on first use): an index that was not
  written by this installation (one committed in a repository) is never read;
- the secret never lives inside the scanned tree: a cache directory inside the tree is
  refused unless named explicitly, and then its key lives in the user's config
  directory (``$XDG_CONFIG_HOME/leaklint/cache-key``) instead;
- what is read back is checked field by field and escaped like fresh output;
- writes go through ``safe_io.write_atomic``: never through a link, never outside the
  cache directory.

Layout: ``<cache dir>/v2/<settings key>.json``: ``LLC2 <hex MAC>\n`` then the JSON index
of file key -> result. It is written to a temporary file and renamed into place, so
concurrent runs (pre-commit starts hooks in parallel) never see a half-written index; a
missing, unreadable, forged or corrupt index or entry is a miss. A cache that cannot be
written is simply not used.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import hashlib
import hmac
import importlib.util
import json
import os
import stat
import tempfile

from . import __version__
from . import own_files
from .catalogue import own_roots
from .model import SEVERITIES, Diagnostic, FileResult, Finding, Position, Related, Verified
from .report.escape import printable
from .safe_io import ReadRefused, inside, link_on_the_way, read_regular, write_atomic

FORMAT = "v2"
MAGIC = b"LLC2 "
KEY_SIZE = 32
MAX_INDEX_SIZE = 1 << 30
ENV_CACHE_DIR = "LEAKLINT_CACHE_DIR"


class CacheRefused(Exception):
    """The cache directory (or its key) cannot be used safely; the message says why."""


@functools.lru_cache(maxsize=None)
def code_digest(*roots: str) -> str:
    """A digest of leaklint's own code and catalogue (the package's sources, the rules'
    TOML): a development checkout that changes a model, or two builds of one version,
    never share cached results or facts. By content, so a reinstall of the same code
    (a CI run restoring the cache) still finds them; kept in the installation's memo
    (``own_files``) while its files are as they were."""
    roots = roots or own_roots()
    kept = own_files.memo(*roots) if roots == own_roots() else None
    if kept is not None and isinstance(kept.get("code_digest"), str):
        return kept.get("code_digest")
    h = hashlib.sha256()
    for _, rel, path in own_files.files_of(roots):
        h.update(rel.encode() + b"\0")
        try:
            with open(path, "rb") as fh:
                h.update(fh.read())
        except OSError:
            h.update(b"\0unreadable")
    digest = h.hexdigest()[:16]
    if kept is not None:
        kept.put("code_digest", digest)
    return digest


def default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "leaklint")


def user_key_file() -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "leaklint", "cache-key")


def open_cache(directory: str, settings, tree=(), explicit: bool = True) -> "ResultCache":
    """The cache in ``directory`` for a scan of ``tree`` (its root directories).

    Raises ``CacheRefused`` for a directory inside the tree that was not named
    explicitly, or one reached through a link inside the tree."""
    directory = os.path.abspath(directory)
    in_tree = inside(directory, tree)
    if in_tree and not explicit:
        raise CacheRefused(f"the default cache directory {directory} is inside the scanned "
                           "tree; name one with --cache-dir or LEAKLINT_CACHE_DIR")
    link = link_on_the_way(directory, tree)
    if link is not None:
        raise CacheRefused(f"the cache directory is reached through the link {link}")
    key_file = user_key_file() if in_tree else os.path.join(directory, "key")
    if inside(key_file, tree):
        raise CacheRefused(f"the cache key {key_file} would be inside the scanned tree")
    return ResultCache(directory, settings, key_file=key_file, tree=tree)


def load_key(path: str, create: bool = True) -> bytes | None:
    """The secret in ``path``, created when missing. Only a regular file of ours that
    nobody else can read is trusted; None when there is none to be had."""
    for _ in range(3):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            if not create or not _create_key(path):
                return None
            continue
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if (not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid()
                    or st.st_mode & 0o077 or st.st_size != KEY_SIZE):
                return None
            data = os.read(fd, KEY_SIZE + 1)
            return data if len(data) == KEY_SIZE else None
        finally:
            os.close(fd)
    return None


def _create_key(path: str) -> bool:
    """Write a new secret to ``path`` in one step (a hard link of a finished file), so
    that a concurrent run never reads half a key; False when it cannot be created."""
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".key-")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:  # mkstemp makes it 0600
            fh.write(os.urandom(KEY_SIZE))  # what secrets.token_bytes returns
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another run made one first: use theirs
        return True
    except OSError as exc:
        return exc.errno == errno.EEXIST
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


# the last settings digested and their key: a run asks for it more than once (its cache,
# its record, its shard digest), and digesting every rule's table costs a hook's start-up
_last_key: tuple = (None, "")


def settings_key(settings) -> str:
    """A stable digest of everything in ``settings`` that can change a file's result."""
    global _last_key
    if _last_key[0] is settings:
        return _last_key[1]
    data = {
        "version": __version__,
        "code": code_digest(),
        # one level deep: a rule's fields hold plain data, which asdict's copy slows
        "rules": [{f.name: getattr(r, f.name) for f in dataclasses.fields(r)}
                  for r in settings.rules],
        "max_file_size": settings.max_file_size,
        "severity": settings.severity,
        "per_file_ignores": [(m.root, m.patterns, sorted(codes))
                             for m, codes in settings.per_file_ignores],
        "line_hashes": settings.line_hashes,
        "fixes": getattr(settings, "fixes", False),
        # Python fixes need libcst: results computed without it lack them
        "libcst": getattr(settings, "fixes", False) and importlib.util.find_spec("libcst") is not None,
        "timeout": getattr(settings, "timeout", None),
        "known_rules": sorted(getattr(settings, "known_rules", ())),
        "contexts": dataclasses.asdict(settings.contexts),
    }
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    key = hashlib.sha256(blob).hexdigest()[:24]
    _last_key = (settings, key)
    return key


def _mac(secret: bytes, settings_key: str, payload: bytes) -> bytes:
    return hmac.new(secret, settings_key.encode() + b"\0" + payload,
                    hashlib.sha256).hexdigest().encode()


def seal(secret: bytes, settings_key: str, payload: bytes) -> bytes:
    """An index file's bytes: the MAC of ``payload`` (bound to the settings key, so an
    index cannot be moved under other settings) on the first line, then ``payload``."""
    return MAGIC + _mac(secret, settings_key, payload) + b"\n" + payload


def unseal(secret: bytes, settings_key: str, raw: bytes) -> bytes | None:
    """The payload of an index file, or None when its MAC is not ours."""
    head, _, payload = raw.partition(b"\n")
    if head.startswith(MAGIC) and hmac.compare_digest(head[len(MAGIC):],
                                                      _mac(secret, settings_key, payload)):
        return payload
    return None


class ResultCache:
    """One index file per settings key, mapping file keys to results.

    Loaded once, written once at the end of a run (merged with what another run may
    have written meanwhile); a lost race costs only a miss later. ``key_file`` holds the
    secret that authenticates the index (default: ``key`` in ``directory``); ``tree``:
    the scanned roots, through whose links nothing is written."""

    MAX_ENTRIES = 200_000

    def __init__(self, directory: str, settings, key_file: str | None = None, tree=()):
        self._top = os.path.abspath(directory)
        self._settings_key = settings_key(settings)
        self.path = os.path.join(self._top, FORMAT, self._settings_key + ".json")
        self._key_file = key_file or os.path.join(self._top, "key")
        self._tree = tuple(tree)
        self._secret: bytes | None = None
        self._entries: dict | None = None
        self._new: dict = {}

    @staticmethod
    def file_key(path: str, data: bytes, reads: str = "", build: str = "") -> str:
        """The key of a file's result: its bytes, its path, the digest of what its
        analysis read from other files (``facts.index.reads_digest``) and its build
        settings (a Go file's go.mod directives)."""
        h = hashlib.sha256(data)
        h.update(b"\0" + path.encode("utf-8", "surrogateescape"))
        if reads:
            h.update(b"\0" + reads.encode())
        if build:
            h.update(b"\0build\0" + build.encode("utf-8", "surrogateescape"))
        return h.hexdigest()[:32]


    def _load(self) -> dict:
        if self._secret is None:
            self._secret = load_key(self._key_file, create=False)
        if self._secret is None:
            return {}  # no key yet: nothing written by this installation to trust
        try:
            raw = read_regular(self.path, MAX_INDEX_SIZE)
        except ReadRefused:
            return {}
        payload = unseal(self._secret, self._settings_key, raw)
        if payload is None:
            return {}  # not written with this installation's key: never trusted
        return self._parse(payload)

    @staticmethod
    def _parse(payload: bytes) -> dict:
        try:
            entries = json.loads(payload)
        except (ValueError, RecursionError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def _dump(self, entries: dict) -> bytes:
        return json.dumps(entries, separators=(",", ":")).encode()

    def get(self, key: str) -> FileResult | None:
        if self._entries is None:
            self._entries = self._load()
        raw = self._entries.get(key)
        if raw is None:
            return None
        try:
            return decode(raw)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def put(self, key: str, result: FileResult) -> None:
        self._new[key] = encode(result)

    def save(self) -> None:
        if not self._new:
            return
        try:
            self._secret = self._secret or load_key(self._key_file)
            if self._secret is None:
                return
            merged = self._load()
            merged.update(self._new)
            if len(merged) > self.MAX_ENTRIES:  # keep the newest entries
                merged = dict(list(merged.items())[-self.MAX_ENTRIES:])
            roots = (self._top,) + self._tree
            # before creating directories too: the facts live a level deeper, and a link
            # on the way must not get a directory made through it
            if link_on_the_way(self.path, roots) is not None:
                return
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            if link_on_the_way(self.path, roots) is not None:
                return
            self._mark_ignored(roots)
            payload = self._dump(merged)
            data = seal(self._secret, self._settings_key, payload)
            write_atomic(self.path, data, roots=roots, confined=True, mode=0o600)
        except OSError:
            pass  # a read-only directory, a full disk, a link: the run simply had no cache
        finally:
            self._new = {}

    def _mark_ignored(self, roots) -> None:
        """A cache directory inside a repository is never committed."""
        marker = os.path.join(self._top, ".gitignore")
        if not os.path.lexists(marker):
            write_atomic(marker, b"# written by leaklint: the cache is never committed\n*\n",
                         roots=roots, confined=True)


def encode(result: FileResult) -> dict:
    d = dataclasses.asdict(result)  # a finding's fix, when computed, with its edits
    d["verified_lines"] = {code: sorted(lines) for code, lines in result.verified_lines.items()}
    return d


def _fix(d: dict | None):
    if d is None:
        return None
    from .fixes.edits import Edit, Fix

    edits = tuple(Edit(_int(e["start"]), _int(e["end"]), _str(e["text"]), _position(e["region"]))
                  for e in d["edits"])
    if not isinstance(d["safe"], bool):
        raise TypeError("expected true or false")
    return Fix(printable(_str(d["description"])), edits, d["safe"])


def _str(v) -> str:
    if not isinstance(v, str):
        raise TypeError("expected a string")
    return v


def _int(v) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise TypeError("expected a whole number")
    return v


def _position(d: dict) -> Position:
    return Position(*(_int(d[k]) for k in ("line", "col", "end_line", "end_col", "col16",
                                           "end_col16")))


def _related(r: dict) -> Related:
    return Related(_str(r["path"]), _position(r["position"]), printable(_str(r["message"])))


def decode(d: dict) -> FileResult:
    """A result read back from the cache: every field checked, text escaped as fresh
    findings are (a malformed entry raises and is a miss)."""
    findings = []
    for f in d["findings"]:
        if _str(f["severity"]) not in SEVERITIES:
            raise ValueError("bad severity")
        fingerprint = f.get("fingerprint")
        findings.append(Finding(
            path=_str(f["path"]), position=_position(f["position"]), code=printable(_str(f["code"])),
            name=printable(_str(f["name"])), family=printable(_str(f["family"])),
            severity=f["severity"], message=printable(_str(f["message"])),
            language=_str(f["language"]), related=[_related(r) for r in f["related"]],
            line_text=_str(f["line_text"]), flows=[[_related(r) for r in path] for path in f["flows"]],
            fingerprint=None if fingerprint is None else _str(fingerprint),
            suppressed=bool(f["suppressed"]), fix=_fix(f.get("fix")),
        ))
    language = d["language"]
    return FileResult(
        path=_str(d["path"]), language=None if language is None else _str(language),
        findings=findings,
        diagnostics=[Diagnostic(_str(x["path"]), _str(x["kind"]), printable(_str(x["message"])),
                                None if x.get("detail") is None else _str(x["detail"]))
                     for x in d["diagnostics"]],
        verified={_str(k): Verified(_int(v["checked"]), _int(v["correct"]))
                  for k, v in d["verified"].items()},
        verified_lines={_str(k): {_int(n) for n in v} for k, v in d["verified_lines"].items()},
        parsed=bool(d["parsed"]),
        context_hidden=_int(d.get("context_hidden", 0)),
    )


class FactsCache(ResultCache):
    """Facts of files, keyed by content (a file's facts do not depend on the run's
    settings): ``<cache dir>/v2/facts/<version>.json``, authenticated and written like
    the results' index. What is read back is plain data that the index checks as it
    reads it (``facts.index``); a malformed entry is a miss.

    One entry per line, ``key<TAB>JSON value``, each value parsed when it is asked for:
    a hook run asks for the facts of a few dozen files of a cache that holds a tree's
    (parsing all of prometheus's 3.4 MB took some 40 ms of a 0.4 s run)."""

    def __init__(self, directory: str, key_file: str | None = None, tree=()):
        self._top = os.path.abspath(directory)
        digest = hashlib.sha256(f"facts {__version__} {code_digest()} {FACTS_FORMAT}".encode()
                                ).hexdigest()[:16]
        self._settings_key = "facts-" + digest
        self.path = os.path.join(self._top, FORMAT, "facts", digest + ".json")
        self._key_file = key_file or os.path.join(self._top, "key")
        self._tree = tuple(tree)
        self._secret = None
        self._entries = None
        self._new = {}

    @classmethod
    def beside(cls, results: ResultCache) -> "FactsCache":
        """The facts cache in the same directory, under the same key, as ``results``."""
        return cls(results._top, results._key_file, results._tree)

    @staticmethod
    def _parse(payload: bytes) -> dict:
        entries = {}
        for line in payload.split(b"\n"):
            key, tab, value = line.partition(b"\t")
            if tab:
                entries[key.decode("utf-8", "replace")] = value
        return entries

    def _dump(self, entries: dict) -> bytes:
        # JSON escapes tabs and newlines in values; keys are leaklint's own (digests)
        return b"\n".join(k.encode() + b"\t" + (v if isinstance(v, bytes) else json.dumps(
            v, separators=(",", ":")).encode()) for k, v in entries.items()
            if "\t" not in k and "\n" not in k)

    def get(self, key: str):
        if self._entries is None:
            self._entries = self._load()
        raw = self._entries.get(key)
        if isinstance(raw, bytes):
            try:
                raw = json.loads(raw)
            except (ValueError, RecursionError):
                raw = None
            self._entries[key] = raw
        if raw is None:
            raw = self._new.get(key)
        return raw if isinstance(raw, dict) else None

    def put(self, key: str, facts: dict) -> None:
        self._new[key] = facts


# bump when the facts extractors change what they record
FACTS_FORMAT = 22
