"""Chat platforms: sending replies and steering the stream, behind one port per concern."""

from wavestack.providers.chat.port import ChatPort, PlatformError, StreamControl, StreamInfo

__all__ = ["ChatPort", "PlatformError", "StreamControl", "StreamInfo"]
