"""gatekeep's cache files: plain data, sealed with a key, read only when safely owned.

Everything running as the operator's user, the agent included, can write files in
gatekeep's state directory, so a cache file is never trusted as code or as a decision
on its own. Each one holds plain data (text, parsed by gatekeep's own strict readers)
behind an HMAC-SHA256 under a random key that gatekeep keeps in ``cache.key`` (0600)
in its state directory (0700 when gatekeep creates it). The MAC covers the file's
*context* too (the cache key the file is stored under), so a sealed file copied to
another name does not verify.

A file (key or cache) is read only when it, and every directory from the state
directory down to it, is owned by this user and writable by no one else; nothing
is followed through a symbolic link at the last step (``O_NOFOLLOW``, checked with
``fstat`` on what was opened). Any failure reads as "no file": callers decide afresh.

Imports only ``os`` and ``gatekeep.runtime.digest`` (not ``hashlib`` or ``hmac``: OpenSSL's
bindings cost more start-up than the rest): ``gatekeep run`` reads a cache file on every call.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence

from gatekeep.runtime.digest import compare_digest, hmac_sha256

KEY_NAME = "cache.key"
KEY_BYTES = 32
MAX_BYTES = 1 << 24
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def _trusted(fd: int, kind: int) -> bool:
    """Owned by this user, of the expected kind, writable by no one else."""
    info = os.fstat(fd)
    return (stat.S_IFMT(info.st_mode) == kind and info.st_uid == os.geteuid()
            and not info.st_mode & 0o022)


def _open_dir(name: str, parent: int | None, create: bool) -> int:
    """An fd of a trusted directory; created 0700 (whatever the umask) when asked to."""
    made = False
    if create:
        try:
            if parent is None:
                os.makedirs(name, mode=0o700)
            else:
                os.mkdir(name, 0o700, dir_fd=parent)
            made = True
        except FileExistsError:
            pass
    fd = os.open(name, _DIR_FLAGS, dir_fd=parent)
    if made:
        os.fchmod(fd, 0o700)
    if not _trusted(fd, stat.S_IFDIR):
        os.close(fd)
        raise PermissionError(f"not a private directory of this user: {name}")
    return fd


def _open_dirs(state_dir: str, subdirs: Sequence[str], create: bool) -> int:
    fd = _open_dir(state_dir, None, create)
    for name in subdirs:
        try:
            inner = _open_dir(name, fd, create)
        finally:
            os.close(fd)
        fd = inner
    return fd


def private(state_dir: str) -> bool:
    """Whether the state directory is one this user owns and no one else can write."""
    try:
        os.close(_open_dirs(state_dir, (), create=False))
    except OSError:
        return False
    return True


def read(state_dir: str, subdirs: Sequence[str], name: str) -> bytes | None:
    """The bytes of a trusted regular file, or None (absent, unsafe, too large, unreadable)."""
    try:
        directory = _open_dirs(state_dir, subdirs, create=False)
        try:
            fd = os.open(name, _READ_FLAGS, dir_fd=directory)
        finally:
            os.close(directory)
        try:
            if not _trusted(fd, stat.S_IFREG) or os.fstat(fd).st_size > MAX_BYTES:
                return None
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)
    except OSError:
        return None


def write(state_dir: str, subdirs: Sequence[str], name: str, data: bytes) -> None:
    """Replace a file atomically with a new 0600 one; raises OSError on failure."""
    directory = _open_dirs(state_dir, subdirs, create=True)
    try:
        temporary = _write_temporary(directory, name, data)
        os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
    finally:
        os.close(directory)


def _write_temporary(directory: int, name: str, data: bytes) -> str:
    temporary = f".{name}.{os.getpid()}.tmp"
    try:  # noqa: SIM105 - contextlib costs start-up on the fast path
        os.unlink(temporary, dir_fd=directory)
    except FileNotFoundError:
        pass
    fd = os.open(temporary, _WRITE_FLAGS, 0o600, dir_fd=directory)
    try:
        os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError:
        os.unlink(temporary, dir_fd=directory)
        raise
    finally:
        os.close(fd)
    return temporary


def key(state_dir: str, create: bool = False) -> bytes | None:
    """The sealing key; with ``create``, made from ``os.urandom`` when there is none yet."""
    found = read(state_dir, (), KEY_NAME)
    if found is not None or not create:
        return found if found is not None and len(found) == KEY_BYTES else None
    try:
        directory = _open_dirs(state_dir, (), create=True)
        try:
            temporary = _write_temporary(directory, KEY_NAME, os.urandom(KEY_BYTES))
            try:  # a link never replaces: a key another process made first is kept
                os.link(temporary, KEY_NAME, src_dir_fd=directory, dst_dir_fd=directory)
            except FileExistsError:
                pass
            finally:
                os.unlink(temporary, dir_fd=directory)
        finally:
            os.close(directory)
    except OSError:
        return None
    return key(state_dir)


def _mac(secret: bytes, context: str, body: bytes) -> bytes:
    framed = f"{len(context)}:{context}".encode("utf-8", "surrogateescape")
    return hmac_sha256(secret, framed + body).encode()


def seal(secret: bytes, context: str, body: bytes) -> bytes:
    """``body`` with a MAC over the context and the body in front of it."""
    return _mac(secret, context, body) + b"\n" + body


def unseal(secret: bytes, context: str, data: bytes) -> bytes | None:
    """The body of sealed data if its MAC is right for this context, else None."""
    mac, newline, body = data.partition(b"\n")
    if not newline or not compare_digest(mac, _mac(secret, context, body)):
        return None
    return body
