"""What an OAuth token endpoint gives back, and how it refuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class OAuthError(Exception):
    """The platform refused a grant; `code` is OAuth's error (`invalid_grant`: revoked)."""

    def __init__(self, message: str, *, code: str = "", status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.status = status

    @property
    def revoked(self) -> bool:
        """The grant is gone for good: the account must be connected again."""
        return self.code in ("invalid_grant", "unauthorized_client", "invalid_client")


@dataclass(frozen=True)
class TokenSet:
    """An access token with what refreshes it."""

    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    scopes: list[str] = field(default_factory=list)
