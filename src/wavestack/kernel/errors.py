"""Domain errors with an error code and HTTP status; the web layer renders them as the envelope."""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    """Base of every error a client is meant to see."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(
        self, message: str, *, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}


class ValidationFailed(AppError):
    """The request is well-formed but breaks a rule."""

    status_code = 422
    code = "VALIDATION_ERROR"


class IdempotencyKeyReused(ValidationFailed):
    """An idempotency key came back with a different request body."""

    code = "IDEMPOTENCY_KEY_REUSED"


class Unauthorized(AppError):
    """No credentials, or credentials that do not check out."""

    status_code = 401
    code = "UNAUTHORIZED"


class Forbidden(AppError):
    """Authenticated, but not allowed to do this."""

    status_code = 403
    code = "FORBIDDEN"


class NotFound(AppError):
    """Missing, or belonging to another organization (indistinguishable on purpose)."""

    status_code = 404
    code = "NOT_FOUND"


class Conflict(AppError):
    """The resource is in a state that does not allow this change."""

    status_code = 409
    code = "CONFLICT"


class PayloadTooLarge(AppError):
    """The request body is over the configured limit."""

    status_code = 413
    code = "PAYLOAD_TOO_LARGE"


class RangeNotSatisfiable(AppError):
    """A byte range outside the file."""

    status_code = 416
    code = "RANGE_NOT_SATISFIABLE"


class RateLimited(AppError):
    """Too many requests in the current window."""

    status_code = 429
    code = "RATE_LIMITED"


class Unavailable(AppError):
    """Something the request needs cannot be reached or is not set up."""

    status_code = 503
    code = "UNAVAILABLE"
