"""Form bodies (application/x-www-form-urlencoded, multipart/form-data) are checked as they stream in,
before any handler sees a field: every page form, the REST report with photos and Open311 alike.

Starlette decodes what it cannot read instead of refusing it: invalid UTF-8 percent-escapes become
U+FFFD, raw bytes in a urlencoded body and undecodable multipart fields are read as Latin-1 — the text
is stored garbled. Here each field's name and value must decode strictly (UTF-8, or the charset the
request declares for multipart) and hold no character `kernel.text.clean_text` refuses; otherwise the
read fails with `FormRefused`, a 422 naming the field. File parts are not looked into (photos are
checked by content elsewhere); their names and file names are.

The check wraps `receive`, so nothing is buffered beyond one field (a field larger than Starlette's
1 MiB part limit is left to Starlette to refuse).
"""

from __future__ import annotations

import codecs
from typing import Any
from urllib.parse import unquote_to_bytes

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citysteward.kernel.text import describe_char, first_forbidden
from citysteward.platform.http.limits import READ_METHODS

MAX_FIELD = 1024 * 1024  # Starlette's own part limit; beyond it Starlette refuses the form itself


class FormRefused(HTTPException):
    """A form field that cannot be stored as it was sent (422). Raised from `receive`: FastAPI passes an
    HTTPException raised while a body is read through unchanged, and pages render it (PageRoute)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(status_code=422, detail=message)
        self.message = message
        self.field = field


def _check(name: str, value: str) -> None:
    at = first_forbidden(value)
    if at is not None:
        raise FormRefused(f"表单字段「{name}」含有不可见的控制字符（{describe_char(value[at])}），请删除后重新提交", name)


def _decode(raw: bytes, charset: str, field: str, what: str = "") -> str:
    try:
        return raw.decode(charset)
    except UnicodeDecodeError:
        what = what or f"字段「{field}」"
        raise FormRefused(f"表单{what}不是有效的 {charset.upper()} 文本，请以 UTF-8 编码提交", field) from None


class _Urlencoded:
    """`a=1&b=2`: percent-escapes must decode to UTF-8; raw non-ASCII bytes are refused too (Starlette
    reads them as Latin-1). The body is small (the body limit for non-uploads holds it) and is checked
    whole when its last chunk arrives, fields split exactly as Starlette's parser splits them (on `&`,
    the name before the first `=`): one pass of C-level byte operations instead of a parser callback
    per field (docs/performance.md)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def feed(self, chunk: bytes) -> None:
        self.chunks.append(chunk)

    def finish(self) -> None:
        for part in b"".join(self.chunks).split(b"&"):
            if not part:
                continue
            raw_name, _, raw_value = part.partition(b"=")
            name = self._text(raw_name, "", "字段名")
            _check(name, name)
            _check(name, self._text(raw_value, name))

    @staticmethod
    def _text(raw: bytes, field: str, what: str = "") -> str:
        if not raw.isascii():
            what = what or f"字段「{field}」"
            raise FormRefused(f"表单{what}含有未经 URL 编码的字节，请按 UTF-8 编码后提交", field)
        if b"%" not in raw and b"+" not in raw:
            return raw.decode("ascii")
        return _decode(unquote_to_bytes(raw.replace(b"+", b" ")), "utf-8", field, what)


class _Multipart:
    """Parts' headers, and the values of the parts that are not files, in the request's charset."""

    def __init__(self, boundary: bytes, charset: str) -> None:
        self.charset = charset
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.disposition = b""
        self.name = ""
        self.is_file = False
        self.value = bytearray()
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self._begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done, "on_part_data": self._data, "on_part_end": self._end})

    def _begin(self) -> None:
        self.disposition, self.name, self.is_file, self.value = b"", "", False, bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _header_end(self) -> None:
        if bytes(self.header_name).lower() == b"content-disposition":
            self.disposition = bytes(self.header_value)
        self.header_name, self.header_value = bytearray(), bytearray()

    def _headers_done(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.name = _decode(options.get(b"name", b""), self.charset, "", "字段名")
        _check(self.name, self.name)
        if b"filename" in options:
            self.is_file = True
            _check(self.name, _decode(options[b"filename"], self.charset, self.name, f"字段「{self.name}」的文件名"))

    def _data(self, data: bytes, start: int, end: int) -> None:
        if not self.is_file and len(self.value) < MAX_FIELD:
            self.value += data[start:end]

    def _end(self) -> None:
        if not self.is_file:
            _check(self.name, _decode(bytes(self.value), self.charset, self.name))

    def feed(self, chunk: bytes) -> None:
        self.parser.write(chunk)

    def finish(self) -> None:
        self.parser.finalize()


def _reader_for(headers: Headers) -> Any:
    content_type, params = parse_options_header(headers.get("content-type", ""))
    if content_type == b"application/x-www-form-urlencoded":
        return _Urlencoded()
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        return None  # not a form, or one Starlette refuses by itself
    charset = params.get(b"charset", b"utf-8").decode("latin-1")
    try:
        charset = codecs.lookup(charset).name
    except LookupError:
        raise FormRefused(f"不支持的字符集：{charset}，请以 UTF-8 编码提交", "content-type") from None
    return _Multipart(params[b"boundary"], charset)


class FormCheck:
    """ASGI middleware: every form body is read through a checker."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READ_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            reader = _reader_for(headers)
        except FormRefused as refused:
            reader = _Refused(refused)
        if reader is None:
            await self.app(scope, receive, send)
            return
        done = False  # refused, or a body the parser cannot follow (Starlette's own parser will say so)

        async def checked() -> Message:
            nonlocal done
            message = await receive()
            if message["type"] == "http.request" and not done:
                try:
                    reader.feed(message.get("body", b""))
                    if not message.get("more_body", False):
                        reader.finish()
                except FormParserError:
                    done = True
                except FormRefused:
                    done = True
                    raise
            return message

        await self.app(scope, checked, send)


class _Refused:
    """A form refused from its headers on: the first read fails."""

    def __init__(self, refused: FormRefused) -> None:
        self.refused = refused

    def feed(self, chunk: bytes) -> None:
        raise self.refused

    def finish(self) -> None:
        raise self.refused
