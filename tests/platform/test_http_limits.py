"""Request bodies are limited before they are read (platform/http/limits.py): a declared length over the
limit is refused at once, a streamed one as soon as it passes the limit, and JSON nesting is checked
before any parser sees it. The limits come from the settings."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citysteward.bootstrap import create_app
from citysteward.config import Settings
from citysteward.platform.http.limits import MAX_JSON_DEPTH, BodyLimit, json_depth_within
from citysteward.platform.runtime import Runtime
from tests.builders.http import assert_error, png, stored
from tests.builders.server import serving
from tests.conftest import City, grid_point

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the edge is tested, not the store
MIB = 1024 * 1024


def small_limits(rt: Runtime, body: int = 64 * 1024, upload: int = MIB) -> Runtime:
    return replace(rt, settings=replace(rt.settings, max_body_bytes=body, max_upload_bytes=upload))


def report_fields() -> dict[str, str]:
    lon, lat = grid_point(1, 3)
    return {"category_code": "01002", "description": "井盖破损", "lon": str(lon), "lat": str(lat)}


# ------------------------------------------------------------------ over HTTP, in process
@SQLITE
def test_a_json_body_over_the_limit_is_refused_with_413(rt: Runtime, city: City) -> None:
    client = TestClient(create_app(runtime=small_limits(rt)))
    big = {**report_fields(), "description": "井" * 40_000}  # 120 KB of UTF-8 > 64 KiB
    body = assert_error(client.post("/api/v1/reports", json=big), 413, "payload_too_large")
    assert body["detail"] == {"limit_bytes": 64 * 1024} and "64 KiB" in body["message"]
    assert stored(rt)["cases"] == 0


@SQLITE
def test_uploads_get_the_larger_limit_and_a_report_with_photos_still_goes_through(rt: Runtime, city: City) -> None:
    client = TestClient(create_app(runtime=small_limits(rt, body=4 * 1024, upload=MIB)))
    photo = png(size=(200, 150))
    assert len(photo) > 0
    r = client.post("/api/v1/reports", data=report_fields(), files=[("photos", ("a.png", photo, "image/png"))])
    assert r.status_code == 201, r.text
    too_big = [("photos", (f"{i}.png", b"\x89PNG" + b"\0" * 300_000, "image/png")) for i in range(4)]
    assert_error(client.post("/api/v1/reports", data=report_fields(), files=too_big), 413, "payload_too_large")
    assert stored(rt)["cases"] == 1


def test_the_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYSTEWARD_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("CITYSTEWARD_MAX_PHOTO_BYTES", str(2 * MIB))
    settings = Settings.from_env()
    assert settings.max_body_bytes == 2048
    assert settings.upload_limit == 2 * MIB * settings.max_photos_per_report + MIB  # derived, with slack
    monkeypatch.setenv("CITYSTEWARD_MAX_UPLOAD_BYTES", str(5 * MIB))
    assert Settings.from_env().upload_limit == 5 * MIB


# ------------------------------------------------------------------ the middleware itself (ASGI)
async def _ok_app(scope: Any, receive: Any, send: Any) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


def _scope(content_type: str, length: int | None = None) -> dict[str, Any]:
    headers = [(b"content-type", content_type.encode())]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return {"type": "http", "method": "POST", "path": "/api/v1/reports", "headers": headers}


async def _run(middleware: BodyLimit, scope: dict[str, Any], chunks: int, chunk: bytes) -> tuple[list[Any], int]:
    """Feed `chunks` chunks; return the messages sent and how many chunks the app pulled."""
    pulled = 0
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await middleware(scope, receive, send)
    return sent, pulled


def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read() -> None:
    middleware = BodyLimit(_ok_app, max_body=1024, max_upload=MIB)
    sent, pulled = asyncio.run(_run(middleware, _scope("multipart/form-data; boundary=x", 600 * MIB), 600, b"x" * MIB))
    assert pulled == 0 and sent[0]["status"] == 413
    assert (b"connection", b"close") in sent[0]["headers"]


def test_a_streamed_upload_is_cut_off_just_past_the_limit() -> None:
    """600 MiB announced by nobody (chunked): the app never gets more than the limit and one chunk."""
    middleware = BodyLimit(_ok_app, max_body=1024, max_upload=MIB)
    sent, pulled = asyncio.run(_run(middleware, _scope("multipart/form-data; boundary=x"), 600 * 16, b"x" * 65536))
    assert sent[0]["status"] == 413 and json.loads(sent[1]["body"])["error"] == "payload_too_large"
    assert pulled <= MIB // 65536 + 1  # 17 chunks of 64 KiB read, not 9,600


def test_whatever_the_handler_made_of_the_failed_read_the_answer_is_413() -> None:
    async def forgiving(scope: Any, receive: Any, send: Any) -> None:
        try:
            while (await receive()).get("more_body"):
                pass
        except Exception:
            pass  # like FastAPI turning a failed body read into "400 There was an error parsing the body"
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b"bad"})

    sent, _ = asyncio.run(_run(BodyLimit(forgiving, max_body=1024, max_upload=4096),
                               _scope("multipart/form-data; boundary=x"), 100, b"x" * 1024))
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [413]


# ------------------------------------------------------------------ JSON nesting, before parsing
@pytest.mark.parametrize(("text", "depth"), [
    ("{}", 1), ("[]", 1), ('{"a": [1, {"b": [2]}]}', 4), ('["[[[[", "]]}}{{", "\\"[", "\\\\"]', 1),
    ('{"k\\"[": {"\\\\\\"": [[]]}}', 4), ("[" * 5 + "]" * 5, 5),
])
def test_json_depth_is_measured_without_parsing(text: str, depth: int) -> None:
    json.loads(text)  # each is valid JSON
    assert json_depth_within(text.encode(), depth)
    assert not json_depth_within(text.encode(), depth - 1)


def test_json_depth_takes_linear_time_on_hostile_input() -> None:
    started = time.perf_counter()
    for hostile in (b"[" * MIB, b'"\\"' * (MIB // 3), b"[" * (MIB // 2) + b"]" * (MIB // 2), b'["' + b"\\\\" * MIB):
        json_depth_within(hostile, MAX_JSON_DEPTH)
    assert time.perf_counter() - started < 2.0


# ------------------------------------------------------------------ a real server, a real 600 MiB upload
@SQLITE
def test_a_600_mib_anonymous_upload_is_refused_without_being_read(rt: Runtime, city: City) -> None:
    app = create_app(runtime=rt)  # the default limits: 1 MiB of JSON, 49 MiB of photos
    with serving(app) as (_, port):
        # Declared: the answer comes before the client sends any of the body.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                      b"Content-Type: multipart/form-data; boundary=xx\r\nContent-Length: 629145600\r\n\r\n")
            head = s.recv(65536).decode()
            assert head.startswith("HTTP/1.1 413"), head
        # Streamed (chunked), a photo part that never ends: the server stops past the upload limit and hangs
        # up; a malformed one: the server answers at once and hangs up rather than draining 600 MiB.
        for part in (b'--xx\r\nContent-Disposition: form-data; name="photos"; filename="a.jpg"\r\n'
                     b"Content-Type: image/jpeg\r\n\r\n", b"no boundary here"):
            sent = _stream_until_hangup(port, part, 600 * MIB)
            assert sent < 600 * MIB // 4, f"{sent / MIB:.0f} MiB were sent before the server hung up"
    assert stored(rt)["cases"] == 0


def _stream_until_hangup(port: int, first: bytes, total: int) -> int:
    """Bytes of a chunked multipart upload sent before the server closed the connection."""
    sent = 0
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                  b"Content-Type: multipart/form-data; boundary=xx\r\n\r\n" + b"%x\r\n%s\r\n" % (len(first), first))
        try:
            while sent < total:
                s.sendall(chunk)
                sent += 0x10000
        except OSError:
            return sent  # the server closed the connection
    pytest.fail("the server read the whole upload")
