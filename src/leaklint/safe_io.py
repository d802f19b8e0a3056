"""Reading and writing files of a tree that may be an attacker's.

Every file the analysis reads goes through ``read_regular``: it opens without following
a link (``O_NOFOLLOW``) and without blocking (``O_NONBLOCK``, so a FIFO cannot hang the
scan), checks with ``fstat`` on the open descriptor that it is a regular file, and
reads at most the size limit. A link, FIFO, device or socket raises ``ReadRefused``
with a one-line reason for the diagnostic.

Every file leaklint writes goes through ``write_atomic``: the text goes to a temporary
file in the target's directory, which then replaces the target with ``os.replace``. A
target that is a symbolic link, or a path that passes through a link inside one of the
given roots, is refused; ``confined`` writes must also land inside a root.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile

_READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
_CHUNK = 1 << 20


class ReadRefused(Exception):
    """A file that is not read; ``kind`` is the diagnostic kind, the message says why."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


class WriteRefused(OSError):
    """A write that would follow a link or leave the roots."""


def file_type(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def special_file_message(mode: int) -> str:
    return f"is {file_type(mode)}, not a regular file; not read"


def read_regular(path: str, limit: int, follow_links: bool = False) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises ``ReadRefused`` for a link (unless ``follow_links``), a special file, a file
    over ``limit`` bytes, or one that cannot be opened."""
    flags = _READ_FLAGS if not follow_links else _READ_FLAGS & ~getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ReadRefused("unreadable", "file vanished before it could be read") from None
    except PermissionError:
        raise ReadRefused("unreadable", "permission denied") from None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK) and not follow_links:
            raise ReadRefused("skipped", "is a symbolic link; links are not followed "
                                         "(--follow-symlinks follows them)") from None
        if exc.errno == errno.EISDIR:
            raise ReadRefused("unreadable", "is a directory") from None
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO nobody writes to on some systems
            raise ReadRefused("unreadable", "is not a regular file; not read") from None
        raise ReadRefused("unreadable", f"cannot be read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReadRefused("unreadable", special_file_message(st.st_mode))
        if st.st_size > limit:
            raise ReadRefused("skipped", f"file is {st.st_size} bytes, over the size limit of "
                                         f"{limit} bytes")
        chunks, got = [], 0
        while got <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:  # grew while being read
            raise ReadRefused("skipped", f"file is over the size limit of {limit} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise ReadRefused("unreadable", f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def inside(path: str, roots) -> bool:
    """``path`` (made absolute) is one of ``roots`` or below one."""
    full = os.path.abspath(path)
    for root in roots:
        root = os.path.abspath(root)
        if full == root or full.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


def tree_roots(paths, extra=()) -> tuple[str, ...]:
    """The directories a scan of ``paths`` trusts nothing in: each scanned directory (a
    file's own directory), the repository around each, and ``extra`` (the config's
    directory). All of it may come from a pull request."""
    roots = []

    def add(d):
        d = os.path.abspath(d)
        if d not in roots:
            roots.append(d)

    for p in list(paths) + list(extra):
        d = os.path.abspath(p)
        if not os.path.isdir(d):
            d = os.path.dirname(d)
        add(d)
        top = d
        while True:
            if os.path.lexists(os.path.join(top, ".git")):
                add(top)
                break
            parent = os.path.dirname(top)
            if parent == top:
                break
            top = parent
    return tuple(roots)


def link_on_the_way(path: str, roots) -> str | None:
    """The first component of ``path`` below one of ``roots`` that is a symbolic link, or
    None (a root itself may be a link: the user named it)."""
    full = os.path.abspath(path)
    for root in roots:
        root = os.path.abspath(root)
        if not inside(full, [root]):
            continue
        current = root
        parts = [] if full == root else os.path.relpath(full, root).split(os.sep)
        for part in parts:
            current = os.path.join(current, part)
            try:
                if stat.S_ISLNK(os.lstat(current).st_mode):
                    return current
            except OSError:  # missing, or under a file: no link further down either
                return None
    return None


def write_atomic(path: str, data: bytes, roots=(), confined: bool = False,
                 mode: int | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``.

    Refused (``WriteRefused``): ``confined`` and ``path`` is outside every root; ``path``
    inside a root (or ``confined``) is a symbolic link or a special file; a directory on
    the way to it below one of ``roots`` is a link. Outside the roots the user's own
    links and devices are written to as they are (``-o /dev/stdout``).
    ``mode``: the new file's permissions (default: the old file's, else 0666 less umask).
    Other failures raise ``OSError``; the target is then left as it was."""
    full = os.path.abspath(path)
    in_tree = inside(full, roots)
    if confined and not in_tree:
        raise WriteRefused(errno.EPERM, "outside the scanned roots; not written")
    try:
        st = os.lstat(full)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if in_tree:
            what = "a symbolic link" if stat.S_ISLNK(st.st_mode) else file_type(st.st_mode)
            raise WriteRefused(errno.ELOOP, f"is {what}; not written through")
        if not stat.S_ISDIR(st.st_mode):
            with open(full, "wb") as fh:  # the user's own device, FIFO or link
                fh.write(data)
            return
    link = link_on_the_way(os.path.dirname(full), roots)
    if link is not None:
        raise WriteRefused(errno.ELOOP, f"{link} is a symbolic link; not written through")
    if mode is None:
        if st is not None:
            mode = stat.S_IMODE(st.st_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(full), prefix=".leaklint-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, full)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
