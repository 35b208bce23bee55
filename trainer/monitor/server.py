"""The monitor's HTTP server: routes, status codes, headers.

Built on the standard library's :class:`ThreadingHTTPServer` and bound to
127.0.0.1 only. Every request passes the Host/Origin check first (see
:mod:`trainer.monitor.security`); control requests also need the per-start
secret. Unknown paths get 404, known paths with another method 405 with an
``Allow`` header, and source failures 500 with a JSON ``error`` and ``hint``.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from safeshell.errors import SafeshellError
from safeshell.workspace import Workspace
from trainer.monitor import assets, controls, sources
from trainer.monitor.logtail import DEFAULT_LINES, MAX_LINES
from trainer.monitor.security import SecretCheck, check_secret, host_problem, new_secret

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PORT = 8080
# Control requests carry no body; anything larger than this is not ours.
MAX_BODY_BYTES = 4096
# Idle keep-alive connections are closed after this many seconds so that
# stalled clients cannot hold every handler thread.
SOCKET_TIMEOUT_S = 30.0
# Rejected control requests are logged, but only the first few and then one
# in this many, so a process hammering the endpoint cannot flood the log.
REJECTION_LOG_EVERY = 100

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class MonitorServer(ThreadingHTTPServer):
    """Serves one workspace's monitor page and JSON API on 127.0.0.1."""

    daemon_threads = True

    def __init__(self, workspace: Workspace, *, port: int = DEFAULT_PORT, secret: str | None = None) -> None:
        self.workspace = workspace
        self.secret = secret or new_secret()
        self.assets = assets.load()
        self.started_at = datetime.now(timezone.utc)
        self._rejected_controls = 0
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        super().__init__((HOST, port), MonitorHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        """Return the page's address with the secret in the fragment (printed at start)."""
        return f"http://{HOST}:{self.port}/#secret={self.secret}"

    def count_rejected_control(self) -> int:
        """Count one rejected control request; return the total so far."""
        with self._lock:
            self._rejected_controls += 1
            return self._rejected_controls

    # Open keep-alive connections are tracked so that closing the server also
    # ends them. Their handler threads would otherwise keep serving requests.
    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        """Stop listening and end every open connection."""
        super().server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its handler


@dataclass(frozen=True)
class Response:
    status: HTTPStatus
    body: bytes
    content_type: str
    headers: dict[str, str]


def json_response(status: HTTPStatus, payload: Any, headers: dict[str, str] | None = None) -> Response:
    # ensure_ascii keeps every non-ASCII character and control byte escaped,
    # so the body is plain ASCII whatever the status file or log contains.
    body = json.dumps(payload, ensure_ascii=True, allow_nan=False).encode("ascii")
    return Response(status, body, "application/json; charset=utf-8", headers or {})


def error_response(status: HTTPStatus, message: str, hint: str | None = None, **headers: str) -> Response:
    return json_response(status, {"error": message, "hint": hint}, headers)


class MonitorHandler(BaseHTTPRequestHandler):
    """One request: Host/Origin check, routing, then the route's function."""

    server: MonitorServer
    protocol_version = "HTTP/1.1"
    server_version = "trainctl-monitor"
    sys_version = ""
    timeout = SOCKET_TIMEOUT_S
    # Headers and body go out in separate writes; with Nagle's algorithm the
    # body would wait for the client's delayed ACK (about 40 ms on Linux).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_OPTIONS(self) -> None:
        # CORS preflight requests always get 405, because only the monitor's
        # own page, which is same-origin, may call the API.
        self._handle("OPTIONS")

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (name fixed by the base class)
        logger.debug("%s %s", self.address_string(), format % args)

    def _handle(self, method: str) -> None:
        try:
            response = self._route(method)
        except SafeshellError as exc:
            logger.warning("%s %s failed: %s", method, self.path, exc.message)
            response = error_response(HTTPStatus.INTERNAL_SERVER_ERROR, exc.message, exc.hint)
        except Exception as exc:  # one failing request must not stop the server
            logger.exception("%s %s failed", method, self.path)
            response = error_response(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                f"internal error: {type(exc).__name__}: {exc}",
                "see the terminal running 'trainctl monitor' for the traceback",
            )
        self._send(response, with_body=method != "HEAD")

    def _route(self, method: str) -> Response:
        problem = host_problem(self.headers.get("Host"), self.headers.get("Origin"), self.server.port)
        if problem is not None:
            self.close_connection = True
            return error_response(HTTPStatus.FORBIDDEN, problem, "open the address that 'trainctl monitor' printed")

        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        route = ROUTES.get(url.path)
        if route is None:
            return error_response(HTTPStatus.NOT_FOUND, f"no such path: {url.path!r}")
        allowed = route.methods | ({"HEAD"} if "GET" in route.methods else set())
        if method not in allowed:
            return error_response(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"{method} is not allowed on {url.path!r}",
                f"use {' or '.join(sorted(route.methods))}",
                Allow=", ".join(sorted(allowed)),
            )
        if method == "POST":
            body_problem = self._discard_body()
            if body_problem is not None:
                return body_problem
        return route.handler(self, query)

    def _discard_body(self) -> Response | None:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return error_response(HTTPStatus.LENGTH_REQUIRED, "chunked request bodies are not accepted")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return error_response(HTTPStatus.BAD_REQUEST, f"invalid Content-Length {self.headers.get('Content-Length')!r}")
        if length < 0 or length > MAX_BODY_BYTES:
            self.close_connection = True
            return error_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body of {length} bytes is too large")
        self.rfile.read(length)
        return None

    def _send(self, response: Response, *, with_body: bool) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in {**SECURITY_HEADERS, **response.headers}.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if with_body:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the browser went away, so there is no one to send the response to


# --- routes -----------------------------------------------------------------

Query = dict[str, list[str]]


@dataclass(frozen=True)
class Route:
    methods: frozenset[str]
    handler: Callable[[MonitorHandler, Query], Response]


def _int_param(query: Query, name: str, default: int, *, minimum: int, maximum: int) -> int:
    """Return query parameter ``name`` clamped to [minimum, maximum]; raises ValueError."""
    values = query.get(name)
    if not values or values[-1] == "":
        return default
    value = int(values[-1], 10)
    if value < minimum:
        raise ValueError(f"{name}={values[-1]!r} is below {minimum}")
    return min(value, maximum)


def _bad_parameter(exc: ValueError) -> Response:
    return error_response(HTTPStatus.BAD_REQUEST, f"invalid query parameter: {exc}")


def _page(handler: MonitorHandler, query: Query) -> Response:
    page = handler.server.assets.page
    return Response(HTTPStatus.OK, page.body, page.content_type, {"Content-Security-Policy": page.csp})


def _asset(name: str) -> Callable[[MonitorHandler, Query], Response]:
    def serve(handler: MonitorHandler, query: Query) -> Response:
        asset = handler.server.assets.files[name]
        return Response(HTTPStatus.OK, asset.body, asset.content_type, {"Content-Security-Policy": asset.csp})

    return serve


def _info(handler: MonitorHandler, query: Query) -> Response:
    server = handler.server
    return json_response(
        HTTPStatus.OK,
        {
            "workspace": str(server.workspace.root),
            "started_at": server.started_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "log_lines_max": MAX_LINES,
            "controls": list(controls.ACTIONS),
        },
    )


def _status(handler: MonitorHandler, query: Query) -> Response:
    return json_response(HTTPStatus.OK, sources.status_payload(handler.server.workspace))


def _queue(handler: MonitorHandler, query: Query) -> Response:
    try:
        offset = _int_param(query, "offset", 0, minimum=0, maximum=10**9)
        limit = _int_param(query, "limit", sources.QUEUE_PAGE, minimum=1, maximum=sources.QUEUE_PAGE_MAX)
    except ValueError as exc:
        return _bad_parameter(exc)
    return json_response(HTTPStatus.OK, sources.queue_payload(handler.server.workspace, offset=offset, limit=limit))


def _versions(handler: MonitorHandler, query: Query) -> Response:
    return json_response(HTTPStatus.OK, sources.versions_payload(handler.server.workspace))


def _backups(handler: MonitorHandler, query: Query) -> Response:
    return json_response(HTTPStatus.OK, sources.backups_payload(handler.server.workspace))


def _approvals(handler: MonitorHandler, query: Query) -> Response:
    return json_response(HTTPStatus.OK, sources.approvals_payload(handler.server.workspace))


def _log(handler: MonitorHandler, query: Query) -> Response:
    try:
        lines = _int_param(query, "lines", DEFAULT_LINES, minimum=0, maximum=MAX_LINES)
    except ValueError as exc:
        return _bad_parameter(exc)
    return json_response(HTTPStatus.OK, sources.log_payload(handler.server.workspace, lines))


def _control(action: str) -> Callable[[MonitorHandler, Query], Response]:
    def serve(handler: MonitorHandler, query: Query) -> Response:
        server = handler.server
        check = check_secret(handler.headers.get("Authorization"), server.secret)
        if check is not SecretCheck.OK:
            rejected = server.count_rejected_control()
            if rejected <= 5 or rejected % REJECTION_LOG_EVERY == 0:
                logger.warning(
                    "rejected %s from %s: secret %s (%d rejected so far)",
                    action, handler.address_string(), check.value, rejected,
                )
        if check is SecretCheck.MISSING:
            return error_response(
                HTTPStatus.UNAUTHORIZED,
                f"{action} needs the monitor's secret",
                "open the address with #secret=... that 'trainctl monitor' printed",
                **{"WWW-Authenticate": 'Bearer realm="trainctl monitor"'},
            )
        if check is SecretCheck.WRONG:
            return error_response(
                HTTPStatus.FORBIDDEN,
                f"{action} rejected: wrong secret",
                "the secret changes at each start; open the address that 'trainctl monitor' printed last",
            )

        try:
            result = controls.perform(server.workspace, action, client=handler.address_string())
        except SafeshellError as exc:
            return error_response(HTTPStatus.CONFLICT, exc.message, exc.hint)
        return json_response(HTTPStatus.ACCEPTED, result)

    return serve


GET = frozenset({"GET"})
POST = frozenset({"POST"})

ROUTES: dict[str, Route] = {
    "/": Route(GET, _page),
    "/live_monitor_ui.html": Route(GET, _page),
    **{f"/static/{name}": Route(GET, _asset(name)) for name in assets.SCRIPTS},
    "/api/info": Route(GET, _info),
    "/api/status": Route(GET, _status),
    "/api/queue": Route(GET, _queue),
    "/api/versions": Route(GET, _versions),
    "/api/backups": Route(GET, _backups),
    "/api/approvals": Route(GET, _approvals),
    "/api/log": Route(GET, _log),
    **{f"/api/control/{action}": Route(POST, _control(action)) for action in controls.ACTIONS},
}
