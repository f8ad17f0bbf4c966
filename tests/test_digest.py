"""gatekeep's SHA-256 and HMAC without hashlib give exactly hashlib's and hmac's results: the
sealed cache's MACs and the decision store's names do not change with the module."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from gatekeep.runtime import digest, sealed


@given(st.binary(max_size=300), st.binary(max_size=3000))
def test_hmac_is_hmacs(key: bytes, message: bytes) -> None:
    assert digest.hmac_sha256(key, message) == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_rfc_4231_vectors() -> None:
    """Case 1 (a short key), case 2 (a key shorter than the digest) and case 6 (a key longer
    than the block, hashed first)."""
    assert digest.hmac_sha256(b"\x0b" * 20, b"Hi There") == (
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    assert digest.hmac_sha256(b"Jefe", b"what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    assert digest.hmac_sha256(b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash "
                              b"Key First") == (
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")


@given(st.binary(max_size=5000))
def test_sha256_is_hashlibs(data: bytes) -> None:
    assert digest.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()


def test_a_seal_made_with_hmac_still_verifies() -> None:
    """A cache file sealed before (with hmac and hashlib) verifies; a changed one does not."""
    secret, context, body = b"k" * 32, "d-context", b"fields\0more"
    framed = f"{len(context)}:{context}".encode()
    old = hmac.new(secret, framed + body, hashlib.sha256).hexdigest().encode() + b"\n" + body
    assert sealed.unseal(secret, context, old) == body
    assert sealed.unseal(secret, context, old[:-1] + b"X") is None
    assert sealed.unseal(secret, "other", old) is None


def test_openssl_is_not_loaded() -> None:
    """The point of the module: neither hashlib nor OpenSSL's bindings are imported."""
    probe = ("import sys, gatekeep.runtime.decision_cache, gatekeep.runtime.journal\n"
             "print(sorted({'hashlib', 'hmac', '_hashlib'} & set(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert result.stdout == "[]\n"
