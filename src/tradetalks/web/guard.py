"""The dashboard's request guard: the checks every request passes before any route sees it.

:class:`Guard` is a plain ASGI middleware (no request body is read, nothing is buffered). In
order, it answers:

- 400 to a ``Host`` header that is not one of the allowed host names (against DNS rebinding);
- 414 to a path longer than :data:`MAX_PATH_CHARS` or a query string longer than
  :data:`MAX_QUERY_CHARS` characters;
- 403 to a state-changing request (``POST``, ``PUT``, ``PATCH``, ``DELETE``) whose ``Origin`` is
  not the host it was sent to (a cross-site form or script);
- 411 to such a request without a ``Content-Length`` (a chunked body could not be bounded before
  it is read) and 413 to one whose ``Content-Length`` is over the body limit.

Every refusal is JSON ``{"detail": "..."}`` naming the header or part and the limit. Every
response, refused or not, carries headers that stop a browser from sniffing a JSON answer as a
page, framing the dashboard on another site or sending its addresses to other sites.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

#: Longest URL path accepted (characters, percent-escapes counted as written).
MAX_PATH_CHARS = 1024
#: Longest query string accepted (characters).
MAX_QUERY_CHARS = 2048
#: Methods that change state: checked for their origin and their body's size.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Headers added to every response.
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def host_name(host: str) -> str:
    """The name part of a ``Host`` header: without its port, lowercase (``[::1]:8000`` -> ``[::1]``)."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host if end < 0 else host[: end + 1]
    return host.split(":", 1)[0]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class Guard:
    """ASGI middleware that refuses what the dashboard never serves (see the module's docstring).

    Parameters
    ----------
    app : ASGI application
        The application behind the guard.
    max_request_bytes : int
        Largest ``Content-Length`` of a state-changing request (413 above it).
    allowed_hosts : iterable of str, optional
        Host names answered (400 otherwise), without ports; None: any host.
    """

    def __init__(self, app: ASGIApp, *, max_request_bytes: int, allowed_hosts: Iterable[str] | None) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes
        self.allowed_hosts = None if allowed_hosts is None else frozenset(h.lower() for h in allowed_hosts)

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        """The status and message a request is refused with, or None when it may pass."""
        host = _header(scope, b"host") or ""
        if self.allowed_hosts is not None and host_name(host) not in self.allowed_hosts:
            allowed = ", ".join(sorted(self.allowed_hosts))
            return 400, f"Host header {host[:100]!r} is not served; allowed: {allowed}"
        path = scope.get("raw_path") or str(scope.get("path", "")).encode("utf-8")
        if len(path) > MAX_PATH_CHARS:
            return 414, f"URL path of {len(path)} characters; allowed: at most {MAX_PATH_CHARS}"
        query = scope.get("query_string") or b""
        if len(query) > MAX_QUERY_CHARS:
            return 414, f"query string of {len(query)} characters; allowed: at most {MAX_QUERY_CHARS}"
        if scope.get("method") not in UNSAFE_METHODS:
            return None
        origin = _header(scope, b"origin")
        if origin and urlsplit(origin).netloc.lower() != host.lower():
            return 403, f"cross-site request refused: Origin {origin[:100]!r} is not the host {host[:100]!r}"
        length = _header(scope, b"content-length")
        if length is None:
            return 411, "a request body needs a Content-Length header"
        length = length.strip()
        if not (length.isascii() and length.isdigit()):
            return 400, f"Content-Length {length[:40]!r} is not a whole number of bytes"
        if int(length) > self.max_request_bytes:
            return 413, f"request body over the limit of {self.max_request_bytes} bytes"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {bytes(k).lower() for k, _ in message.get("headers", ())}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        refused = self.refusal(scope)
        if refused is None:
            await self.app(scope, receive, send_secured)
            return
        status, detail = refused
        body = json.dumps({"detail": detail}).encode("utf-8")
        await send_secured(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode("ascii")),
                ],
            }
        )
        await send_secured({"type": "http.response.body", "body": body})
