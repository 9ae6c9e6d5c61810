"""Request bodies are limited before they are read (413), and JSON nesting before it is parsed (422).

`BodyLimit` sits in front of every route, so no handler has to remember it:
- a declared `Content-Length` over the limit is refused at once, before a byte of the body is received
  (and before `100 Continue` is sent, so a well-behaved client never uploads it);
- a body without a length (chunked) is counted while it streams; past the limit the app's next read
  fails and the answer is 413, whatever the handler made of the failed read;
- multipart uploads (photos) get the upload limit, every other body the smaller one;
- any other body (JSON, CSV) is held whole (it is under the limit); when the app reads one that looks
  like JSON, its nesting depth is checked first, in linear time, so no parser or validator ever
  recurses on `[[[[…` (422).

Both refusals use the API's error shape; a refused upload also closes the connection, since the rest
of its body is never read.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_JSON_DEPTH = 32  # GeoJSON multipolygons in a feature collection need 8
MIB = 1024 * 1024
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # change nothing, carry no form
BODILESS = READ_METHODS | {"DELETE"}  # normally without a body


def declares_body(scope: Scope) -> bool:
    """Whether the request says a body follows (a length other than 0, or chunked transfer)."""
    for name, value in scope["headers"]:
        if (name == b"content-length" and value.strip() not in (b"", b"0")) or name == b"transfer-encoding":
            return True
    return False


def _size(n: int) -> str:
    return f"{n / MIB:g} MiB" if n >= MIB else f"{n / 1024:g} KiB"


def _reply(status: int, code: str, message: str, detail: Any, *, close: bool) -> list[Message]:
    body = json.dumps({"error": code, "message": message, "detail": detail}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    return [{"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": body}]


def too_large(limit: int) -> list[Message]:
    return _reply(413, "payload_too_large", f"请求内容过大，上限为 {_size(limit)}",
                  {"limit_bytes": limit}, close=True)


def too_deep(limit: int) -> list[Message]:
    return _reply(422, "invalid_input", f"JSON 嵌套层数过多（最多 {limit} 层）或括号不匹配",
                  {"max_depth": limit}, close=False)


_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth_within(body: bytes, limit: int) -> bool:
    """Whether a JSON text nests at most `limit` deep, in C-speed passes (no recursion, no per-byte
    Python loop). Strings are cut out first (escaped backslashes, then escaped quotes, then every
    other quoted run), the brackets that remain are peeled one level per pass. Anything left after
    `limit` passes is too deep, or unbalanced, which the parser would refuse anyway."""
    text = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    structure = b"".join(text.split(b'"')[::2]).translate(_BRACKETS, _NOT_BRACKETS)
    for _ in range(limit):
        if not structure:
            return True
        peeled = structure.replace(b"[]", b"")
        if len(peeled) == len(structure):
            return False  # unbalanced: nothing to peel
        structure = peeled
    return not structure


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int, bulk_paths: tuple[str, ...] = (),
                 max_json_depth: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload
        self.bulk_paths = bulk_paths  # whole-file imports sent as one body (GeoJSON): the upload limit
        self.max_json_depth = max_json_depth

    def limit_for(self, scope: Scope, content_type: str) -> int:
        if content_type.startswith("multipart/form-data") or str(scope["path"]).startswith(self.bulk_paths):
            return self.max_upload
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in BODILESS and not declares_body(scope):
            await self.app(scope, receive, send)  # nothing to limit: no wrapping, no buffering (most requests)
            return
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "").lower()
        limit = self.limit_for(scope, content_type)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _send_all(send, too_large(limit))
            return
        if not content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            await self._held(scope, receive, send, limit)
            return
        await self._streamed(scope, receive, send, limit)

    async def _held(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Small bodies (JSON, CSV, nothing): read here, under the limit, handed on whole. The nesting of a
        JSON-looking body is checked when the app first reads it, so a request refused before that (no
        login for an admin-only import) costs no scan."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _send_all(send, too_large(limit))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # after the body: wait for the disconnect, as the server would
            delivered = True
            if body.lstrip()[:1] in (b"[", b"{") and not json_depth_within(body, self.max_json_depth):
                raise Refused(too_deep(self.max_json_depth))
            return {"type": "http.request", "body": body, "more_body": False}

        await _guarded(self.app, scope, replay, send, close_early=False)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Uploads pass through as they arrive; past the limit the app's read fails."""
        size = 0

        async def counting() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    raise Refused(too_large(limit))
            return message

        await _guarded(self.app, scope, counting, send, close_early=True)


class Refused(Exception):
    """Raised from `receive` when the body is refused: the reply it carries replaces the app's."""

    def __init__(self, reply: list[Message]) -> None:
        super().__init__(reply[0]["status"])
        self.reply = reply


async def _guarded(app: ASGIApp, scope: Scope, receive: Receive, send: Send, *, close_early: bool) -> None:
    """Run the app on a `receive` that may raise `Refused`. Whatever the app made of the failed read
    (FastAPI answers a failed body read with a 400, a handler may catch it), the answer is the refusal.
    With `close_early`, an answer sent before the body ended closes the connection rather than letting
    the server drain an upload nobody reads."""
    refusal: Refused | None = None
    started = finished = False

    async def reading() -> Message:
        nonlocal refusal, finished
        try:
            message = await receive()
        except Refused as exc:
            refusal = exc
            raise
        finished = finished or (message["type"] == "http.request" and not message.get("more_body", False))
        return message

    async def sending(message: Message) -> None:
        nonlocal started
        if refusal is not None:
            return
        if message["type"] == "http.response.start":
            started = True
            if close_early and not finished:
                message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
        await send(message)

    try:
        await app(scope, reading, sending)
    except Exception:
        if refusal is None:
            raise
    if refusal is not None and not started:
        await _send_all(send, refusal.reply)


async def _send_all(send: Send, messages: list[Message]) -> None:
    for message in messages:
        await send(message)
