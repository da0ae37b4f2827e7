"""Domain errors raised by services and data access; the API maps each to one HTTP status and error code.

Messages are written for the app's users: they never carry stack traces, table names or secrets.
"""

from typing import Any, ClassVar


class DomainError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class InvalidInput(DomainError):
    status_code = 400
    code = "invalid_input"


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"


class NotAllowed(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class DependencyUnavailable(DomainError):
    status_code = 503
    code = "dependency_unavailable"


class ValidationFailed(DomainError):
    """A rule the request schema cannot express (a password policy, a field that depends on another)."""

    status_code = 422
    code = "validation_error"


class EmailNotVerified(NotAllowed):
    code = "email_not_verified"
