"""What the YouTube clients share: the error, and credentials renewed by the connection."""

from __future__ import annotations

from collections.abc import Callable

from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError

from wavestack.providers.chat.port import PlatformError

TokenSource = Callable[[bool], str]


class YouTubeError(PlatformError):
    """YouTube refused a call; `reason` is its error reason (liveChatEnded, quotaExceeded...)."""

    def __init__(
        self, message: str, *, status: int = 0, reason: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after  # seconds a 429's Retry-After asks for


class ConnectionCredentials(Credentials):
    """google-auth credentials whose refresh is the connection's (tokens stored encrypted)."""

    def __init__(self, token: TokenSource) -> None:
        super().__init__(token=token(False))  # type: ignore[no-untyped-call]
        self._source = token

    def refresh(self, request: object) -> None:
        self.token = self._source(True)


def reason_of(exc: HttpError) -> str:
    try:
        details = exc.error_details
    except (AttributeError, ValueError):
        return ""
    if isinstance(details, list) and details and isinstance(details[0], dict):
        return str(details[0].get("reason", ""))
    return ""
