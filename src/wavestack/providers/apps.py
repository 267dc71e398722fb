"""The platforms whose accounts are connected through an OAuth app of this install: how to
read each app's settings, what to say when it is not set up, and how to ask whose account
a fresh token is (for the `connect` command and the connections API alike)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx

from wavestack.providers.linkedin import LinkedInClient, LinkedInSettings
from wavestack.providers.oauth import OAuthApp
from wavestack.providers.tiktok import TikTokClient, TikTokSettings
from wavestack.providers.twitch import Helix, TwitchSettings
from wavestack.providers.x import XClient, XSettings
from wavestack.providers.youtube import YouTubeLiveChat, YouTubeSettings


class ConnectableApp(OAuthApp, Protocol):
    """An OAuth app's settings that can tell whether they are filled in."""

    api_url: str

    @property
    def configured(self) -> bool:
        """Whether the app is set up."""


@dataclass(frozen=True)
class App:
    """One platform's app: its settings, how to set it up, and whose account a token is."""

    settings: Callable[[], ConnectableApp]
    missing: str
    whoami: Callable[[ConnectableApp, str], tuple[str, str]]


def _twitch_login(settings: ConnectableApp, token: str) -> tuple[str, str]:
    with httpx.Client(timeout=15.0) as http:
        helix = Helix(
            http, client_id=settings.client_id, token=lambda _f: token, base_url=settings.api_url
        )
        me = helix.users()[0]
        return me.id, me.login


APPS: dict[str, App] = {
    "twitch": App(
        TwitchSettings,
        "set WAVESTACK_TWITCH_CLIENT_ID and WAVESTACK_TWITCH_CLIENT_SECRET first: create an "
        "application at https://dev.twitch.tv/console",
        _twitch_login,
    ),
    "youtube": App(
        YouTubeSettings,
        "set WAVESTACK_YOUTUBE_CLIENT_ID and WAVESTACK_YOUTUBE_CLIENT_SECRET first: create an "
        "OAuth client (Desktop app) in Google Cloud console with the YouTube Data API enabled",
        lambda s, token: YouTubeLiveChat(lambda _f: token, api_url=s.api_url).my_channel(),
    ),
    "x": App(
        XSettings,
        "set WAVESTACK_X_CLIENT_ID (and WAVESTACK_X_CLIENT_SECRET for a confidential app) "
        "first: create an app with OAuth 2.0 in the X developer portal",
        lambda s, token: XClient(lambda _f: token, api_url=s.api_url).me(),
    ),
    "linkedin": App(
        LinkedInSettings,
        "set WAVESTACK_LINKEDIN_CLIENT_ID and WAVESTACK_LINKEDIN_CLIENT_SECRET first: create an "
        "app with Sign In with LinkedIn and Share on LinkedIn in the developer portal",
        lambda s, token: LinkedInClient(lambda _f: token, api_url=s.api_url).me(),
    ),
    "tiktok": App(
        TikTokSettings,
        "set WAVESTACK_TIKTOK_CLIENT_ID (the client key) and WAVESTACK_TIKTOK_CLIENT_SECRET "
        "first: create an app with the Content Posting API in the TikTok developer portal",
        lambda s, token: TikTokClient(lambda _f: token, api_url=s.api_url).me(),
    ),
}
