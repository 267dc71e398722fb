"""YouTube: live chat and video uploads through the official client (YouTube Data API v3)."""

from wavestack.providers.youtube.common import YouTubeError
from wavestack.providers.youtube.livechat import ChatPage, YouTubeLiveChat, poll_forever
from wavestack.providers.youtube.settings import YouTubeSettings
from wavestack.providers.youtube.upload import YouTubeUploader

__all__ = [
    "ChatPage",
    "YouTubeError",
    "YouTubeLiveChat",
    "YouTubeSettings",
    "YouTubeUploader",
    "poll_forever",
]
