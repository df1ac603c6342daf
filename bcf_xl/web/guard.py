"""What every request passes through, outermost first: the audit log, security headers, and
the upload size check that runs before any of the body is read.

Pure ASGI middlewares (not Starlette's BaseHTTPMiddleware), so the size check sees the request
before the framework reads the body, and a body that grows past the limit while it streams in is
cut off there.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable

import anyio

from bcf_xl.findings import make

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = ((b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
           (b"cache-control", b"no-store"))


class BodyTooLarge(Exception):
    pass


def too_large_response(path: str, limit: int) -> tuple[int, bytes, bytes]:
    """(status, content type, body) for an upload over the limit: JSON for the API, a page
    for a browser. The finding is the same."""
    finding = make("web.upload_too_large", limit=f"{limit // 1_000_000} MB")
    if path.startswith("/api/"):
        body = json.dumps({"code": finding.code, "message": finding.message}).encode()
        return 413, b"application/json", body
    page = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Too large"
            f"</title></head><body><h1>File too large</h1><p id=\"code\">{finding.code}</p>"
            f"<p>{finding.message}</p><p><a href=\"/\">Back</a></p></body></html>")
    return 413, b"text/html; charset=utf-8", page.encode()


async def _respond(send: Send, status: int, content_type: bytes, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class UploadLimit:
    """Refuse a request body over ``limit`` bytes: by its Content-Length before reading it, or,
    when it has none, as soon as the bytes read pass the limit."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _respond(send, *too_large_response(scope["path"], self.limit))
            scope.setdefault("state", {})["outcome"] = "upload refused: too large"
            return
        seen = 0
        started = False

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge
            return message

        async def watch(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge:
            scope.setdefault("state", {})["outcome"] = "upload refused: too large"
            if not started:
                await _respond(send, *too_large_response(scope["path"], self.limit))


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in HEADERS if h[0] not in names]
            await send(message)

        await self.app(scope, receive, with_headers)


class Audit:
    """One audit record per request: when, which key (its id, never the key), what, the status
    and the outcome the handler noted. Written as the response starts, so a client that has
    its answer has its audit record too."""

    def __init__(self, app: ASGIApp, record: Callable[..., None]):
        self.app, self.record = app, record

    async def _record(self, scope: Scope, status: int) -> None:
        state = scope.get("state", {})
        client = scope.get("client") or ("", 0)
        with anyio.CancelScope(shield=True):  # a client that went away is still logged
            await anyio.to_thread.run_sync(lambda: self.record(
                key_id=state.get("key_id"), method=scope["method"], path=scope["path"],
                status=status, client=str(client[0]), outcome=state.get("outcome", "")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recorded = False

        async def watch(message: dict) -> None:
            nonlocal recorded
            if message["type"] == "http.response.start" and not recorded:
                recorded = True
                await self._record(scope, message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            if not recorded:  # the app failed before it answered
                await self._record(scope, 500)
