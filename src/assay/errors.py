"""One exception hierarchy for assay, mapped once to HTTP responses by ``assay.api.errors``."""

from __future__ import annotations

from typing import Any


class AssayError(Exception):
    """Base of every error assay raises on purpose; carries a stable code and optional details."""

    code = "error"
    status_code = 400

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The JSON body of this error: ``{"error": {"code", "message", "details"}}``."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInput(AssayError):
    """Input that breaks a rule; ``details`` lists each problem as ``{"loc": [...], "msg": ...}``."""

    code = "invalid_input"
    status_code = 422


class SchemaError(InvalidInput):
    """A label schema, or an annotation value checked against one, is not valid."""

    code = "schema_error"


class ImportRejected(InvalidInput):
    """A bulk import had bad rows; nothing was written. ``details`` lists every bad row."""

    code = "import_rejected"


class EmptyInput(InvalidInput):
    """An algorithm was given no data to work on."""

    code = "empty_input"


class Unauthenticated(AssayError):
    """No valid credentials were presented."""

    code = "unauthenticated"
    status_code = 401


class PermissionDenied(AssayError):
    """The caller is known but may not do this (only for objects the caller can see)."""

    code = "permission_denied"
    status_code = 403


class NotFound(AssayError):
    """The object does not exist, or lies in an organization the caller does not belong to."""

    code = "not_found"
    status_code = 404


class Conflict(AssayError):
    """The request clashes with the current state (duplicate name, expired lease…)."""

    code = "conflict"
    status_code = 409


class PayloadTooLarge(AssayError):
    """The request body is larger than the configured limit."""

    code = "payload_too_large"
    status_code = 413


class ConfigurationError(AssayError):
    """The server is configured unsafely or inconsistently and refuses to start."""

    code = "configuration_error"
    status_code = 500
