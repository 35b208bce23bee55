"""Access checks of the monitor: the per-start secret and the Host/Origin checks.

The monitor listens on 127.0.0.1 only, but every local process and every web
page the user has open can reach that address. Two checks keep them out:

- Host and Origin: a page on another site can point its own DNS name at
  127.0.0.1 (DNS rebinding) and then read the API as "same origin". Its
  requests carry that name in ``Host`` (and in ``Origin`` for a POST), so
  only the loopback names with the monitor's own port are accepted.
- The secret: control actions (stop, pause, resume, skip) need a random
  secret created at each start and printed in the terminal. The page reads
  it from the URL fragment, which browsers never send to a server or in
  ``Referer``, and sends it as ``Authorization: Bearer SECRET``.
"""

from __future__ import annotations

import enum
import hmac
import secrets

# 32 random bytes (256 bits), so guessing is out of reach even for a local
# process that sends requests as fast as the server handles them.
SECRET_BYTES = 32

LOOPBACK_NAMES = ("127.0.0.1", "localhost")


class SecretCheck(enum.Enum):
    """Outcome of checking a request's ``Authorization`` header."""

    OK = "ok"
    MISSING = "missing"  # no Bearer credentials: HTTP 401
    WRONG = "wrong"  # credentials present but not the secret: HTTP 403


def new_secret() -> str:
    """Return a fresh URL-safe secret for one start of the monitor."""
    return secrets.token_urlsafe(SECRET_BYTES)


def check_secret(authorization: str | None, secret: str) -> SecretCheck:
    """Check an ``Authorization: Bearer ...`` header value against ``secret``.

    The comparison takes the same time wherever the first differing byte is,
    so response times reveal nothing about the secret.
    """
    if not authorization:
        return SecretCheck.MISSING
    scheme, _, presented = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return SecretCheck.MISSING
    if hmac.compare_digest(presented.strip().encode("utf-8"), secret.encode("utf-8")):
        return SecretCheck.OK
    return SecretCheck.WRONG


def allowed_hosts(port: int) -> frozenset[str]:
    """Return the ``Host`` header values that name this monitor (lower case)."""
    hosts = {f"{name}:{port}" for name in LOOPBACK_NAMES}
    if port == 80:
        hosts.update(LOOPBACK_NAMES)
    return frozenset(hosts)


def allowed_origins(port: int) -> frozenset[str]:
    """Return the ``Origin`` header values of pages served by this monitor."""
    return frozenset(f"http://{host}" for host in allowed_hosts(port))


def host_problem(host: str | None, origin: str | None, port: int) -> str | None:
    """Return why a request's Host/Origin pair is not this monitor's, or None.

    ``origin`` may be absent (navigations, same-origin GETs, command-line
    clients). When present, it must be one of this monitor's own origins, so
    ``Origin: null`` from sandboxed frames and local files is rejected too.
    """
    if not host:
        return "the request has no Host header"
    if host.strip().lower() not in allowed_hosts(port):
        return f"Host {host!r} is not this monitor's address (expected 127.0.0.1:{port})"
    if origin is not None and origin.strip().lower() not in allowed_origins(port):
        return f"Origin {origin!r} is not this monitor's page (expected http://127.0.0.1:{port})"
    return None
