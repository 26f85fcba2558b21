"""The one exception a broken business rule raises; the API and views map it to 400/409."""

from __future__ import annotations


class ApplicationError(Exception):
    """A rule of the platform refused the request; ``message`` is safe to show to the user."""

    status = 400

    def __init__(self, message: str, *, code: str = "invalid", field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field_errors = field_errors or {}


class ConflictError(ApplicationError):
    """The state changed under the request (someone else acted first)."""

    status = 409

    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message, code=code)
