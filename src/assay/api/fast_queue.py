"""The labeling queue's three routes served straight from ASGI, in front of FastAPI.

``next``, ``submit`` and ``skip`` are the hot path: an annotator's loop calls one of them per item. Going through
FastAPI's router, dependency solver and exception middleware cost about half of the server's CPU per
annotation (benchmarks/README.md). This layer matches the three paths with one regular expression, parses the
body with the same Pydantic models, resolves credentials with the same function, and calls the same service
functions as the routes in ``assay.api.routes.queue``. Anything it does not take on itself (a body that does not
validate, a content type other than JSON, an over-long header) is handed to FastAPI unchanged, so error
responses keep one format and the routes stay the documented (OpenAPI) contract.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assay.api.deps import credentials
from assay.api.middleware import SecurityHeaders, reject_too_large
from assay.api.routes import queue as routes
from assay.api.schemas.items import SkipRequest, SubmitRequest
from assay.errors import AssayError

log = logging.getLogger("assay.api")

_ID = r"([1-9][0-9]{0,17})"  # 1 .. 10**18 - 1: always inside the routes' 2**63 - 1 bound
_PATH = re.compile(rf"/api/v1/projects/{_ID}/tasks/(?:(next)|{_ID}/(submit|skip))")
_JSON_TYPES = (b"application/json",)


def _response(status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> list[Message]:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += SecurityHeaders.HEADERS
    if extra:
        headers += extra
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    ]


def _error(error: AssayError) -> list[Message]:
    extra = [(b"www-authenticate", b"Bearer")] if error.status_code == 401 else None
    return _response(error.status_code, orjson.dumps(error.to_dict()), extra)


class QueueFastPath:
    """Serve ``POST tasks/next``, ``tasks/{lease}/submit`` and ``tasks/{lease}/skip`` without FastAPI's routing."""

    def __init__(self, app: ASGIApp, *, state: Any, max_body: int) -> None:
        self.app, self.state, self.max_body = app, state, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        match = _PATH.fullmatch(scope["path"])
        if match is None:
            await self.app(scope, receive, send)
            return
        content_type = idempotency_key = None
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value
            elif name == b"idempotency-key":
                idempotency_key = value
            elif name == b"content-length" and value.isdigit() and int(value) > self.max_body:
                await reject_too_large(send, self.max_body)
                return
        body = await _read_body(receive, self.max_body)
        if body is None:
            await reject_too_large(send, self.max_body)
            return
        try:
            work = _parse(match, body, content_type, idempotency_key)
        except (ValidationError, ValueError):
            work = None
        if work is None:  # FastAPI answers it, with its validation errors, from the same bytes
            await self.app(scope, _replay(body, receive), send)
            return
        for message in await self._serve(scope, match, work):
            await send(message)

    async def _serve(self, scope: Scope, match: re.Match[str], work: tuple[Any, str | None]) -> list[Message]:
        project_id = int(match[1])
        parsed, idempotency_key = work
        try:
            creds = credentials(Request(scope))
            if match[2]:
                result = await routes.serve_next(self.state, creds, project_id)
            elif match[4] == "submit":
                lease_id = int(match[3])
                result = await routes.serve_submit(
                    self.state, creds, project_id, lease_id, parsed, idempotency_key
                )
            else:
                result = await routes.serve_skip(self.state, creds, project_id, int(match[3]), parsed)
        except AssayError as error:
            if error.status_code >= 500:
                log.error("server error: %s", error.message)
            return _error(error)
        except Exception:
            log.exception("unhandled error")
            body = b'{"error":{"code":"internal_error","message":"internal server error; the incident was logged","details":null}}'
            return _response(500, body)
        return _response(200, routes.dumps(result))


def _parse(
    match: re.Match[str], body: bytes, content_type: bytes | None, idempotency_key: bytes | None
) -> tuple[Any, str | None] | None:
    """The validated request body and idempotency key, or None when FastAPI should answer instead."""
    if match[2]:
        return None, None  # tasks/next takes no body
    if content_type is None or not content_type.split(b";", 1)[0].strip().lower().startswith(_JSON_TYPES):
        return None
    key = None
    if idempotency_key is not None:
        key = idempotency_key.decode("latin-1")
        if len(key) > 100:
            return None
    model = SubmitRequest if match[4] == "submit" else SkipRequest
    return model.model_validate_json(body), key


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None once it grows past ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands out ``body`` once, then whatever the client sends next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
