"""The approval token format and its HMAC.

A token is printable and names what it is for::

    ss1.<request id>.<expiry>.<nonce>.<mac>

``expiry`` is a Unix time in whole seconds, ``nonce`` is 16 random bytes and
``mac`` is HMAC-SHA256 (both base64url without padding). The MAC covers the
format version, the request id, the request digest (which binds the subject,
the matched rules and the policy version), the policy version, the expiry and
the nonce. The verifier recomputes the digest from the operation in front of
it, so a token never vouches for anything but the operation it was minted for.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from safeshell.errors import TokenError

TOKEN_PREFIX = "ss1"
NONCE_BYTES = 16
MAC_BYTES = 32
FORMAT_HINT = "a token looks like ss1.<request id>.<expiry>.<nonce>.<mac>, as 'safeshell approve ID' prints it"

_REQUEST_ID = re.compile(r"^[0-9a-f]{8}$")
_EXPIRY = re.compile(r"^[0-9]{1,12}$")


@dataclass(frozen=True)
class Token:
    """The parsed fields of an approval token."""

    request_id: str
    expires_at: int  # Unix time, seconds
    nonce: str  # base64url text as it appears in the token
    mac: bytes

    def text(self) -> str:
        return ".".join((TOKEN_PREFIX, self.request_id, str(self.expires_at), self.nonce, _b64(self.mac)))


def mint(key: bytes, *, request_id: str, digest: str, policy_version: str, expires_at: int) -> Token:
    """Create a token for one request with a fresh random nonce."""
    nonce = _b64(secrets.token_bytes(NONCE_BYTES))
    mac = compute_mac(
        key,
        request_id=request_id,
        digest=digest,
        policy_version=policy_version,
        expires_at=expires_at,
        nonce=nonce,
    )
    return Token(request_id=request_id, expires_at=expires_at, nonce=nonce, mac=mac)


def compute_mac(
    key: bytes, *, request_id: str, digest: str, policy_version: str, expires_at: int, nonce: str
) -> bytes:
    # NUL separators: no field can contain NUL, so the message is unambiguous.
    message = "\0".join((TOKEN_PREFIX, request_id, digest, policy_version, str(expires_at), nonce))
    return hmac.new(key, message.encode("ascii"), hashlib.sha256).digest()


def mac_matches(token: Token, expected: bytes) -> bool:
    return hmac.compare_digest(token.mac, expected)


def parse(text: str) -> Token:
    """Split a token into its fields; raise :class:`TokenError` (check ``"format"``) if malformed."""
    text = text.strip()
    parts = text.split(".")
    if len(parts) != 5 or parts[0] != TOKEN_PREFIX:
        raise _malformed(text, "it does not have the five dot-separated fields of format ss1")
    _, request_id, expiry, nonce, mac_text = parts
    if not _REQUEST_ID.match(request_id):
        raise _malformed(text, f"request id {request_id!r} is not 8 hex digits")
    if not _EXPIRY.match(expiry):
        raise _malformed(text, f"expiry {expiry!r} is not a Unix time")
    nonce_bytes = _unb64(nonce)
    if nonce_bytes is None or len(nonce_bytes) != NONCE_BYTES:
        raise _malformed(text, "the nonce is not 16 base64url-encoded bytes")
    mac = _unb64(mac_text)
    if mac is None or len(mac) != MAC_BYTES:
        raise _malformed(text, "the MAC is not 32 base64url-encoded bytes")
    return Token(request_id=request_id, expires_at=int(expiry), nonce=nonce, mac=mac)


def _malformed(text: str, why: str) -> TokenError:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return TokenError(f"approval token {shown!r} is malformed: {why}", check="format", hint=FORMAT_HINT)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    if not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    # Reject non-canonical encodings (different text, same bytes), so one
    # token has exactly one spelling and the nonce ledger cannot be sidestepped.
    if _b64(raw) != text:
        return None
    return raw
