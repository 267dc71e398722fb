"""Twitch: Helix for acting, EventSub over a websocket for listening, as the connected
account (a user access token, refreshed on 401)."""

from wavestack.providers.twitch.eventsub import (
    SUBSCRIPTIONS,
    EventSubSocket,
    Notification,
    condition,
)
from wavestack.providers.twitch.helix import Helix, TwitchError, TwitchUser, started_at
from wavestack.providers.twitch.settings import TwitchSettings

__all__ = [
    "SUBSCRIPTIONS",
    "EventSubSocket",
    "Helix",
    "Notification",
    "TwitchError",
    "TwitchSettings",
    "TwitchUser",
    "condition",
    "started_at",
]
