"""Every error leaves as JSON ``{"error": {"code", "message", "details"}}``; no stack trace ever does."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assay.errors import AssayError

log = logging.getLogger("assay.api")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
}


def error_response(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    """A JSON error response in assay's one format."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details}}, status_code=status, headers=headers
    )


def _field(loc: tuple[Any, ...]) -> list[Any]:
    # Drop the "body"/"query" prefix FastAPI adds: the user named a field, not a transport detail.
    parts = list(loc)
    return parts[1:] if parts and parts[0] in ("body", "query", "path", "header", "cookie") else parts


def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        where = next(e for e in errors if e.get("type") == "json_invalid")
        detail = where.get("ctx", {}).get("error", "")
        return error_response(
            400, "invalid_json", f"the request body is not valid JSON: {detail}".strip(": ")
        )
    details = [{"loc": _field(e["loc"]), "msg": e["msg"]} for e in errors]
    summary = "; ".join(f"{'.'.join(map(str, d['loc'])) or 'body'}: {d['msg']}" for d in details[:5])
    return error_response(422, "invalid_input", summary, details)


def _assay(_: Request, exc: AssayError) -> JSONResponse:
    if exc.status_code >= 500:
        log.error("server error: %s", exc.message)
    return error_response(exc.status_code, exc.code, exc.message, exc.details)


def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, message)


def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal_error", "internal server error; the incident was logged")


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(AssayError, _assay)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
