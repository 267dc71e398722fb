"""Chat platforms: sending replies and steering the stream, behind one port per concern."""

from wavestack.providers.chat.port import (
    Button,
    ChatPort,
    PlatformError,
    Rich,
    StreamControl,
    StreamInfo,
)

__all__ = ["Button", "ChatPort", "PlatformError", "Rich", "StreamControl", "StreamInfo"]
