"""Errors the hub reports to people and tools, each with a stable machine-readable code.

Every error renders as ``{"error": {"code", "message", "details": [{"loc", "msg"}]}}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ErrorDetail:
    """One problem, located by a path into the description or the package (``loc``)."""

    loc: tuple[str | int, ...]
    msg: str

    def as_json(self) -> dict[str, object]:
        return {"loc": list(self.loc), "msg": self.msg}


@dataclass
class HubError(Exception):
    """Base of every error the hub answers with; ``status_code`` and ``code`` are stable."""

    message: str
    details: Sequence[ErrorDetail] = field(default_factory=tuple)
    status_code: int = 400
    code: str = "bad_request"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def as_json(self) -> dict[str, object]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "details": [d.as_json() for d in self.details],
            }
        }


class UploadRefused(HubError):
    """The upload cannot be accepted; ``code`` says which rule it broke."""

    def __init__(
        self,
        message: str,
        details: Sequence[ErrorDetail] = (),
        *,
        code: str = "invalid_package",
        status_code: int = 422,
    ) -> None:
        super().__init__(
            message=message, details=tuple(details), status_code=status_code, code=code
        )


class ResourceNotFound(HubError):
    def __init__(self, message: str = "No such resource or version.") -> None:
        super().__init__(message=message, status_code=404, code="not_found")


class NotAuthenticated(HubError):
    def __init__(self, message: str = "Please log in or send an API token.") -> None:
        super().__init__(message=message, status_code=401, code="not_authenticated")


class Forbidden(HubError):
    def __init__(
        self, message: str = "You are not allowed to do this.", *, code: str = "forbidden"
    ) -> None:
        super().__init__(message=message, status_code=403, code=code)


class Conflict(HubError):
    def __init__(self, message: str, *, code: str = "conflict") -> None:
        super().__init__(message=message, status_code=409, code=code)


class InvalidRequest(HubError):
    def __init__(
        self, message: str, details: Sequence[ErrorDetail] = (), *, code: str = "invalid_request"
    ) -> None:
        super().__init__(message=message, details=tuple(details), status_code=400, code=code)


class Overloaded(HubError):
    """Too much at once (requests in flight, database connections): answered 503 with
    Retry-After, early, instead of after a long wait."""

    def __init__(
        self, message: str = "The hub is busy right now; please try again in a few seconds."
    ) -> None:
        super().__init__(message=message, status_code=503, code="overloaded")


class ServiceUnavailable(HubError):
    """A service the hub needs (its database, its blob storage) did not answer: answered 503
    with Retry-After; nothing of the request was kept, and the same request may be sent again."""

    def __init__(self, *, service: str) -> None:
        super().__init__(
            message=f"The hub's {service} is not reachable right now; nothing was changed."
            " Please try again in a little while.",
            status_code=503,
            code=f"{service}_unavailable",
        )
