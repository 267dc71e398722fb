"""YouTube: live chat through the official client (YouTube Data API v3)."""

from wavestack.providers.youtube.livechat import (
    ChatPage,
    YouTubeError,
    YouTubeLiveChat,
    poll_forever,
)
from wavestack.providers.youtube.settings import YouTubeSettings

__all__ = ["ChatPage", "YouTubeError", "YouTubeLiveChat", "YouTubeSettings", "poll_forever"]
