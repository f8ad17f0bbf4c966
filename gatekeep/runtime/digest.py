"""SHA-256 and HMAC-SHA256 for the paths that run before every command, without ``hashlib``.

``import hashlib`` loads OpenSSL's bindings (``_hashlib``), and ``hmac`` imports them too:
together about 2.5 ms, a quarter of the interpreter's own start-up, spent on a few digests
of small files. CPython's own SHA-256 (the module ``hashlib`` itself falls back to) gives
the same digests at no such cost; HMAC is RFC 2104 over it, and the tests hold both to
``hashlib`` and ``hmac`` (the sealed cache files stay valid either way). Where CPython was
built without its own SHA-256, ``hashlib``'s is used.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from _hashlib import HASH
    from collections.abc import Callable

_BLOCK = 64  # SHA-256's block size in bytes
_INNER = bytes(byte ^ 0x36 for byte in range(256))  # RFC 2104's ipad, as a translation
_OUTER = bytes(byte ^ 0x5C for byte in range(256))  # and opad


def _constructor() -> Callable[..., HASH]:
    name = "_sha2" if sys.version_info >= (3, 12) else "_sha256"  # where CPython keeps it
    try:
        found: Callable[..., HASH] = __import__(name).sha256
    except (ImportError, AttributeError):
        from hashlib import sha256 as fallback

        return fallback
    return found


sha256 = _constructor()


def _comparer() -> Callable[[bytes, bytes], bool]:
    try:
        from _operator import _compare_digest  # what hmac.compare_digest is without OpenSSL
    except ImportError:
        from hmac import compare_digest

        return compare_digest
    return _compare_digest


compare_digest = _comparer()  # constant time: how long it takes says nothing about a MAC


def hmac_sha256(key: bytes, message: bytes) -> str:
    """The HMAC-SHA256 of ``message`` under ``key``, in hex (as ``hmac.new(...).hexdigest()``)."""
    if len(key) > _BLOCK:
        key = sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = sha256(key.translate(_INNER))
    inner.update(message)
    outer = sha256(key.translate(_OUTER))
    outer.update(inner.digest())
    return outer.hexdigest()
