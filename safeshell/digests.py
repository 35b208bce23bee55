"""SHA-256 for the guard's hot path, without loading OpenSSL.

``import hashlib`` loads OpenSSL's libcrypto (about 4 ms, a quarter of a bare
interpreter's start-up), and the guard hashes on every command: the policy
files (to trust its cache) and each audit line (the hash chain). CPython's
built-in SHA-256 module gives the same digests without that load; hashlib is
the fallback where the built-in module is missing or renamed.
"""

from __future__ import annotations

try:
    from _sha2 import sha256 as _sha256  # CPython 3.12 and later
except ImportError:
    try:
        from _sha256 import sha256 as _sha256  # CPython 3.11
    except ImportError:
        from hashlib import sha256 as _sha256


def sha256_hex(data: bytes) -> str:
    """Return the SHA-256 hex digest of ``data``."""
    return _sha256(data).hexdigest()
