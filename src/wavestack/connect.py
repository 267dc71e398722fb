"""`wavestack connect PLATFORM`: the OAuth authorization-code flow in the creator's browser,
with the redirect caught on this machine (or, for a Telegram bot, its token checked), and the
account's tokens stored encrypted."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

import httpx

from wavestack.bootstrap import Container
from wavestack.providers.apps import APPS, Account, ConnectableApp
from wavestack.providers.chat.port import PlatformError
from wavestack.providers.discord import DiscordClient, DiscordFailed, DiscordSettings
from wavestack.providers.oauth import (
    OAuthApp,
    OAuthClient,
    OAuthEndpoints,
    OAuthError,
    TokenSet,
    new_pkce,
)
from wavestack.providers.streamlabs import StreamlabsRefused, StreamlabsSettings, StreamlabsSocket
from wavestack.providers.telegram import TelegramClient, TelegramFailed, TelegramSettings
from wavestack.providers.whatsapp import WhatsAppSettings
from wavestack.services import connections

DONE_PAGE = (
    b"<!doctype html><title>WaveStack</title><h1>Connected</h1>"
    b"<p>You can close this tab and go back to the terminal.</p>"
)
REFUSED_PAGE = b"<!doctype html><title>WaveStack</title><h1>Not connected</h1><p>%s</p>"


class ConnectFailed(Exception):
    """The account could not be connected; the message says why and what to do."""


class LoopbackRedirect:
    """A one-request web server at the redirect URL, waiting for the authorization code."""

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or parts.hostname not in ("localhost", "127.0.0.1"):
            raise ConnectFailed(
                f"the redirect URL must be http://localhost:PORT/...: {redirect_uri}"
            )
        self._path = parts.path or "/"
        self._arrived = threading.Event()
        self._query: dict[str, str] = {}
        receiver = self

        class Catch(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != receiver._path:
                    self.send_error(404)
                    return
                receiver._query = {k: v[0] for k, v in parse_qs(url.query).items()}
                refused = receiver._query.get("error_description") or receiver._query.get("error")
                page = REFUSED_PAGE % refused.encode()[:200] if refused else DONE_PAGE
                self.send_response(400 if refused else 200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                receiver._arrived.set()

            def log_message(self, format: str, *args: object) -> None:
                pass

        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", parts.port or 80), Catch)
        except OSError as exc:
            raise ConnectFailed(f"cannot listen at {redirect_uri}: {exc}") from exc
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackRedirect:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def code(self, state: str, timeout: float) -> str:
        """The code the platform sent back (checked against our `state`)."""
        if not self._arrived.wait(timeout):
            raise ConnectFailed(f"no answer from the browser within {timeout:.0f} s")
        query = self._query
        if "error" in query:
            reason = query.get("error_description") or query["error"]
            raise ConnectFailed(f"the platform did not grant access: {reason}")
        if query.get("state") != state:
            raise ConnectFailed("the answer did not match this request (state); try again")
        if not query.get("code"):
            raise ConnectFailed("the platform sent no authorization code")
        return query["code"]


def authorize(
    endpoints: OAuthEndpoints,
    *,
    redirect_uri: str,
    scopes: list[str],
    open_url: Callable[[str], object],
    timeout: float,
    http: httpx.Client,
) -> TokenSet:
    """The authorization-code flow: consent in the browser, the code caught here, traded for
    tokens (with PKCE where the platform takes it)."""
    oauth = OAuthClient(endpoints, http)
    state = secrets.token_urlsafe(24)
    verifier, challenge = new_pkce()
    url = oauth.authorization_url(
        redirect_uri=redirect_uri, scopes=scopes, state=state, challenge=challenge
    )
    with LoopbackRedirect(redirect_uri) as redirect:
        open_url(url)
        code = redirect.code(state, timeout)
    try:
        return oauth.exchange(code=code, redirect_uri=redirect_uri, verifier=verifier)
    except OAuthError as exc:
        raise ConnectFailed(f"the platform did not complete the connection: {exc}") from exc


def _connect_oauth(
    container: Container,
    *,
    platform: str,
    app: OAuthApp,
    org_id: str,
    open_url: Callable[[str], object],
    timeout: float,
    http: httpx.Client,
    account_of: Callable[[TokenSet], Account],
) -> connections.ConnectionRead:
    """Authorize in the browser, ask the platform whose account it is, store its tokens."""
    tokens = authorize(
        app.oauth(),
        redirect_uri=app.redirect_uri,
        scopes=app.scopes,
        open_url=open_url,
        timeout=timeout,
        http=http,
    )
    try:
        account = account_of(tokens)
    except (PlatformError, IndexError, KeyError) as exc:
        raise ConnectFailed(f"{platform} did not complete the connection: {exc}") from exc
    return connections.save(
        container.uow(),
        container.secrets,
        org_id=org_id,
        platform=platform,
        account_id=account.id,
        account_name=account.name,
        tokens=account.tokens,
    )


def connect_app(
    container: Container,
    settings: ConnectableApp,
    *,
    platform: str,
    org_id: str,
    open_url: Callable[[str], object],
    timeout: float = 300.0,
    http: httpx.Client | None = None,
) -> connections.ConnectionRead:
    """Ask the platform for access to the account in the browser (PKCE where it takes it),
    ask whose account it is, and store the tokens."""
    app = APPS[platform]
    if not settings.configured:
        raise ConnectFailed(app.missing)
    return _connect_oauth(
        container,
        platform=platform,
        app=settings,
        org_id=org_id,
        open_url=open_url,
        timeout=timeout,
        http=http or httpx.Client(timeout=15.0),
        account_of=lambda tokens: app.account(settings, tokens),
    )


connect_twitch = partial(connect_app, platform="twitch")
connect_youtube = partial(connect_app, platform="youtube")
connect_x = partial(connect_app, platform="x")
connect_tiktok = partial(connect_app, platform="tiktok")
connect_linkedin = partial(connect_app, platform="linkedin")
connect_facebook = partial(connect_app, platform="facebook")
connect_instagram = partial(connect_app, platform="instagram")


def connect_telegram(
    container: Container, settings: TelegramSettings, *, org_id: str, token: str
) -> connections.ConnectionRead:
    """Check a bot token from @BotFather (getMe) and store it."""
    token = token.strip()
    if not token or ":" not in token:
        raise ConnectFailed("a bot token looks like 123456:ABC-DEF...; ask @BotFather for one")
    client = TelegramClient(token, api_url=settings.api_url)
    try:
        client.start(poll=False)
    except TelegramFailed as exc:
        raise ConnectFailed(str(exc)) from exc
    finally:
        client.stop()
    return connections.save(
        container.uow(),
        container.secrets,
        org_id=org_id,
        platform="telegram",
        account_id=str(client.user_id),
        account_name=client.username,
        tokens=TokenSet(token),
    )


def connect_whatsapp(
    container: Container,
    settings: WhatsAppSettings,
    *,
    org_id: str,
    token: str,
    phone_number_id: str,
    http: httpx.Client | None = None,
) -> connections.ConnectionRead:
    """Check a Cloud API token against its business phone number and store it."""
    if not token.strip() or not phone_number_id.strip().isdigit():
        raise ConnectFailed("give the access token and the phone number id (digits)")
    http = http or httpx.Client(timeout=15.0)
    try:
        found = http.get(
            f"{settings.graph_url.rstrip('/')}/{phone_number_id.strip()}",
            params={"fields": "display_phone_number,verified_name"},
            headers={"Authorization": f"Bearer {token.strip()}"},
        )
    except httpx.HTTPError as exc:
        raise ConnectFailed(f"the Graph API is unreachable: {exc}") from exc
    if not found.is_success:
        raise ConnectFailed(f"Meta refused the token or the number: {found.text[:200]}")
    number = found.json()
    name = number.get("verified_name") or number.get("display_phone_number") or phone_number_id
    return connections.save(
        container.uow(),
        container.secrets,
        org_id=org_id,
        platform="whatsapp",
        account_id=phone_number_id.strip(),
        account_name=str(name),
        tokens=TokenSet(token.strip()),
    )


def connect_streamelements(
    container: Container, *, org_id: str, token: str
) -> connections.ConnectionRead:
    """Store a StreamElements JWT (dashboard: account > channels > show secrets)."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise ConnectFailed("a StreamElements JWT token has three parts separated by dots")
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError as exc:
        raise ConnectFailed("that is not a JWT token") from exc
    channel = str(claims.get("channel") or claims.get("sub") or "streamelements")
    return connections.save(
        container.uow(),
        container.secrets,
        org_id=org_id,
        platform="streamelements",
        account_id=channel,
        account_name=str(claims.get("user") or channel),
        tokens=TokenSet(token.strip()),
    )


def connect_streamlabs(
    container: Container, settings: StreamlabsSettings, *, org_id: str, token: str
) -> connections.ConnectionRead:
    """Check a Streamlabs Socket API token by connecting once, and store it."""
    token = token.strip()
    if not token or " " in token:
        raise ConnectFailed(
            "give the Socket API token (Streamlabs: Settings > API Settings > API Tokens)"
        )
    try:
        StreamlabsSocket(token, lambda _event: None, url=settings.url).check()
    except StreamlabsRefused as exc:
        raise ConnectFailed(f"Streamlabs refused the socket token ({exc})") from exc
    except (OSError, TimeoutError) as exc:
        raise ConnectFailed(f"Streamlabs could not be reached: {exc}") from exc
    return connections.save(
        container.uow(),
        container.secrets,
        org_id=org_id,
        platform="streamlabs",
        account_id="streamlabs",
        account_name="Streamlabs alerts",
        tokens=TokenSet(token),
    )


# What the bot needs in a server: see channels and history, post with cards, delete
# messages, time out and ban members, hand out the auto role.
DISCORD_PERMISSIONS = (
    (1 << 10)  # view channels
    | (1 << 11)  # send messages
    | (1 << 13)  # manage messages
    | (1 << 14)  # embed links
    | (1 << 16)  # read message history
    | (1 << 2)  # ban members
    | (1 << 28)  # manage roles
    | (1 << 40)  # moderate members (timeouts)
)


def discord_invite(application_id: str) -> str:
    """The page that adds the bot, with its slash commands, to one of your servers."""
    return (
        "https://discord.com/oauth2/authorize"
        f"?client_id={application_id}&scope=bot+applications.commands"
        f"&permissions={DISCORD_PERMISSIONS}"
    )


def connect_discord(
    container: Container,
    settings: DiscordSettings,
    *,
    org_id: str,
    token: str,
    open_url: Callable[[str], None],
) -> connections.ConnectionRead:
    """Check a bot token from the Developer Portal, store it, and open the page that adds
    the bot to a server."""
    token = token.strip()
    if not token or " " in token:
        raise ConnectFailed("give the bot token from the Developer Portal (Bot > Reset Token)")
    client = DiscordClient(token, api_url=settings.api_url, gateway_url=settings.gateway_url)
    try:
        client.check()
    except DiscordFailed as exc:
        raise ConnectFailed(str(exc)) from exc
    connected = connections.save(
        container.uow(),
        container.secrets,
        org_id=org_id,
        platform="discord",
        account_id=client.user_id,
        account_name=client.username,
        tokens=TokenSet(token),
    )
    open_url(discord_invite(client.application_id))
    return connected
