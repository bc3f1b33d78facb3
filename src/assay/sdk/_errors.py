"""SDK errors: one class per HTTP status, each also the ``assay.errors`` class of that meaning."""

from __future__ import annotations

from typing import Any

import httpx

from assay import errors


class ApiError(errors.AssayError):
    """The server answered with an error: HTTP ``status``, ``code``, ``message`` and ``details``."""

    status_code = 0

    def __init__(self, message: str, *, status: int, code: str, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.status = status
        self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code!r}, message={self.message!r})"


class BadRequest(ApiError):
    """400: the request was malformed (bad JSON, missing format)."""


class Unauthenticated(ApiError, errors.Unauthenticated):
    """401: no valid token."""


class PermissionDenied(ApiError, errors.PermissionDenied):
    """403: your role may not do this."""


class NotFound(ApiError, errors.NotFound):
    """404: no such object in your organization."""


class Conflict(ApiError, errors.Conflict):
    """409: the request clashes with the current state (duplicate name, expired lease)."""


class PayloadTooLarge(ApiError, errors.PayloadTooLarge):
    """413: the body is over the server's limit."""


class InvalidInput(ApiError, errors.InvalidInput):
    """422: the input breaks a rule; ``details`` lists the problems."""


class ImportRejected(InvalidInput, errors.ImportRejected):
    """422 ``import_rejected``: bad rows, nothing imported; ``details["errors"]`` lists line, field, msg."""


class ServerError(ApiError):
    """5xx: the server failed (retried first for idempotent calls on 502, 503 and 504)."""


class ConnectionFailed(ApiError):
    """The server could not be reached (after retries); ``status`` is 0."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest, 401: Unauthenticated, 403: PermissionDenied, 404: NotFound, 409: Conflict,
    413: PayloadTooLarge, 422: InvalidInput,
}
_BY_CODE: dict[str, type[ApiError]] = {"import_rejected": ImportRejected}


def error_from_response(response: httpx.Response) -> ApiError:
    """The exception for an error response, with the server's own message when it sent one."""
    code, message, details = "error", response.reason_phrase or f"HTTP {response.status_code}", None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        code = str(error.get("code") or code)
        message = str(error.get("message") or message)
        details = error.get("details")
    cls = _BY_CODE.get(code) or _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = ServerError if response.status_code >= 500 else ApiError
    return cls(message, status=response.status_code, code=code, details=details)
