"""The service's guard, one ASGI middleware in front of every route:

- without an access secret, only a loopback address serves, and only under a loopback host
  name (which also stops a web page elsewhere from reaching it by DNS rebinding);
- with one ($ITBCHECK_WEB_SECRET), every request must give it (HTTP Basic, any user name);
- a POST must say its length and stay within the size of one record file;
- every response carries a strict Content-Security-Policy and is never cached;
- each request is logged by method, route and status only: never a query string, a body or
  a path that is not one of the application's own.

CSRF is checked by the views (`csrf_problem`): a double-submit token, a random value in a
SameSite=Strict cookie that each form repeats in a hidden field.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from itbcheck.reading import MAX_INPUT_BYTES
from itbcheck.web.state import SECRET_ENV, WebConfig

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = MAX_INPUT_BYTES  # a form is one record: no larger than a record file may be
CSRF_COOKIE = "itbcheck_csrf"
CSRF_FIELD = "csrf_token"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
ROUTES = frozenset({"/", "/check", "/lookup", "/edit", "/report"})


def is_loopback(host: str) -> bool:
    """True for a loopback address or the name localhost."""
    if host.strip("[]") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_problem(cookie: str | None, field: str | None) -> bool:
    """True when a form's token is missing or differs from its cookie's."""
    if not cookie or not field:
        return True
    return not secrets.compare_digest(cookie.encode(), field.encode())


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def refusal(scope: Scope, config: WebConfig) -> tuple[int, str, str] | None:
    """Why a request is refused before any route sees it: (status, title, explanation)."""
    if config.secret is None:
        server = (scope.get("server") or ("", 0))[0]
        host = _host_name(_header(scope, b"host") or "")
        if not is_loopback(str(server)) or host not in LOOPBACK_NAMES:
            return (
                403,
                "Refused: no access secret",
                "This itbcheck server has no access secret, so it answers only on this "
                f"computer (127.0.0.1 or localhost). Set {SECRET_ENV} to serve a network.",
            )
    elif not _authorised(scope, config):
        return 401, "Access secret needed", "Give the clinic's itbcheck access secret."
    if scope["method"] == "POST":
        length = _header(scope, b"content-length")
        if length is None or not length.isdigit():
            return 411, "Length required", "A form must say how long it is."
        if int(length) > MAX_BODY_BYTES:
            return (
                413,
                "Form too large",
                f"A form may be at most {MAX_BODY_BYTES:,} bytes, as a record file may.",
            )
    return None


def _authorised(scope: Scope, config: WebConfig) -> bool:
    given = _header(scope, b"authorization") or ""
    scheme, _, encoded = given.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        _, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return config.secret_matches(password)


class Guard:
    """The middleware; `render_refusal(status, title, text)` gives the HTML of a refusal."""

    def __init__(
        self, app: ASGIApp, config: WebConfig, render_refusal: Callable[[int, str, str], str]
    ) -> None:
        self.app = app
        self.config = config
        self.render_refusal = render_refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        refused = refusal(scope, self.config)
        try:
            if refused is None:
                await self.app(scope, _limited(receive), send_secured)
            else:
                await self._refuse(refused, send_secured)
        finally:
            _log(scope, status[0], time.perf_counter() - started)

    async def _refuse(self, refused: tuple[int, str, str], send: Send) -> None:
        code, title, text = refused
        body = self.render_refusal(code, title, text).encode("utf-8")
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        if code == 401:
            headers.append((b"www-authenticate", b'Basic realm="itbcheck", charset="UTF-8"'))
        await send({"type": "http.response.start", "status": code, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class BodyTooLargeError(Exception):
    """More bytes arrived than a form may hold (a client that lied about its length)."""


def _limited(receive: Receive) -> Receive:
    seen = [0]

    async def receive_limited() -> Message:
        message = await receive()
        seen[0] += len(message.get("body", b""))
        if seen[0] > MAX_BODY_BYTES:
            raise BodyTooLargeError
        return message

    return receive_limited


def _log(scope: Scope, status: int, seconds: float) -> None:
    import structlog

    path = scope.get("path", "")
    route = path if path in ROUTES else "/static/*" if path.startswith("/static/") else "(other)"
    structlog.get_logger("itbcheck.web").info(
        "request_served",
        method=scope.get("method"),
        route=route,
        status=status,
        ms=round(seconds * 1000, 1),
    )
