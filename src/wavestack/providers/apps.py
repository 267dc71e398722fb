"""The platforms whose accounts are connected through an OAuth app of this install: how to
read each app's settings, what to say when it is not set up, and how to ask whose account
a fresh token is and what to keep of it (for the `connect` command and the connections API
alike)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx

from wavestack.providers.chat.port import PlatformError
from wavestack.providers.linkedin import LinkedInClient, LinkedInSettings
from wavestack.providers.meta import GraphClient, MetaSettings, Page
from wavestack.providers.oauth import OAuthApp, TokenSet
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
class Account:
    """The account a grant reached, and the tokens to keep for it."""

    id: str
    name: str
    tokens: TokenSet


@dataclass(frozen=True)
class App:
    """One platform's app: its settings, how to set it up, and whose account a grant is."""

    settings: Callable[[], ConnectableApp]
    missing: str
    account: Callable[[ConnectableApp, TokenSet], Account]


def _by_token(
    whoami: Callable[[ConnectableApp, str], tuple[str, str]],
) -> Callable[[ConnectableApp, TokenSet], Account]:
    """For platforms whose grant is the account's own token: ask whose it is, keep it."""
    return lambda settings, tokens: Account(*whoami(settings, tokens.access_token), tokens)


def _twitch_login(settings: ConnectableApp, token: str) -> tuple[str, str]:
    with httpx.Client(timeout=15.0) as http:
        helix = Helix(
            http, client_id=settings.client_id, token=lambda _f: token, base_url=settings.api_url
        )
        me = helix.users()[0]
        return me.id, me.login


def meta_page(settings: MetaSettings, tokens: TokenSet) -> Page:
    """The Page a Meta grant connects: the person's token made long-lived, then the one Page
    they manage (or `WAVESTACK_META_PAGE_ID` of several); Page tokens so got never expire."""
    person = GraphClient(lambda _f: tokens.access_token, api_url=settings.api_url)
    lasting = person.long_lived(settings.client_id, settings.client_secret)
    pages = GraphClient(lambda _f: lasting.access_token, api_url=settings.api_url).pages()
    chosen = [p for p in pages if p.id == settings.page_id] if settings.page_id else pages
    if not pages:
        raise PlatformError("this Facebook account manages no Page; create one or grant access")
    if not chosen:
        raise PlatformError(f"this account does not manage Page {settings.page_id}")
    if len(chosen) > 1:
        listed = ", ".join(f"{p.id} ({p.name})" for p in chosen)
        raise PlatformError(f"several Pages: set WAVESTACK_META_PAGE_ID to one of {listed}")
    return chosen[0]


def _meta(settings: ConnectableApp) -> MetaSettings:
    if not isinstance(settings, MetaSettings):
        raise TypeError("Facebook and Instagram connect through the Meta app's settings")
    return settings


def _facebook(settings: ConnectableApp, tokens: TokenSet) -> Account:
    page = meta_page(_meta(settings), tokens)
    return Account(page.id, page.name, TokenSet(page.access_token))


def _instagram(settings: ConnectableApp, tokens: TokenSet) -> Account:
    page = meta_page(_meta(settings), tokens)
    if page.instagram_id is None:
        raise PlatformError(
            f"Page {page.name} has no Instagram professional account linked: link one in the "
            "Page's settings, then connect again"
        )
    return Account(
        page.instagram_id, page.instagram_username or page.name, TokenSet(page.access_token)
    )


_META_MISSING = (
    "set WAVESTACK_META_CLIENT_ID (the app ID) and WAVESTACK_META_CLIENT_SECRET first: create "
    "a Business app with Facebook Login for Business in Meta for Developers"
)


APPS: dict[str, App] = {
    "twitch": App(
        TwitchSettings,
        "set WAVESTACK_TWITCH_CLIENT_ID and WAVESTACK_TWITCH_CLIENT_SECRET first: create an "
        "application at https://dev.twitch.tv/console",
        _by_token(_twitch_login),
    ),
    "youtube": App(
        YouTubeSettings,
        "set WAVESTACK_YOUTUBE_CLIENT_ID and WAVESTACK_YOUTUBE_CLIENT_SECRET first: create an "
        "OAuth client (Desktop app) in Google Cloud console with the YouTube Data API enabled",
        _by_token(
            lambda s, token: YouTubeLiveChat(lambda _f: token, api_url=s.api_url).my_channel()
        ),
    ),
    "x": App(
        XSettings,
        "set WAVESTACK_X_CLIENT_ID (and WAVESTACK_X_CLIENT_SECRET for a confidential app) "
        "first: create an app with OAuth 2.0 in the X developer portal",
        _by_token(lambda s, token: XClient(lambda _f: token, api_url=s.api_url).me()),
    ),
    "linkedin": App(
        LinkedInSettings,
        "set WAVESTACK_LINKEDIN_CLIENT_ID and WAVESTACK_LINKEDIN_CLIENT_SECRET first: create an "
        "app with Sign In with LinkedIn and Share on LinkedIn in the developer portal",
        _by_token(lambda s, token: LinkedInClient(lambda _f: token, api_url=s.api_url).me()),
    ),
    "tiktok": App(
        TikTokSettings,
        "set WAVESTACK_TIKTOK_CLIENT_ID (the client key) and WAVESTACK_TIKTOK_CLIENT_SECRET "
        "first: create an app with the Content Posting API in the TikTok developer portal",
        _by_token(lambda s, token: TikTokClient(lambda _f: token, api_url=s.api_url).me()),
    ),
    "facebook": App(MetaSettings, _META_MISSING, _facebook),
    "instagram": App(MetaSettings, _META_MISSING, _instagram),
}
