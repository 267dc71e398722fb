"""What social ingest reports: a channel going live or offline on a platform (the stream
monitor's events, for webhooks and the live bus)."""

from __future__ import annotations

from typing import ClassVar

from wavestack.kernel.messages import Event


class StreamWentLive(Event):
    """A channel started streaming (Twitch's stream.online, a YouTube broadcast...)."""

    event_type: ClassVar[str] = "stream.live"
    platform: str
    channel_id: str


class StreamWentOffline(Event):
    """A channel stopped streaming."""

    event_type: ClassVar[str] = "stream.offline"
    platform: str
    channel_id: str
