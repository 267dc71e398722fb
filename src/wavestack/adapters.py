"""The bots on the connected platforms: for each organization with working connections, one
bot listening on each of them (Twitch EventSub, the Discord gateway, Telegram, WhatsApp,
YouTube chat, StreamElements and Streamlabs alerts) and answering there, moderated by
auto-mod, ticking (timers, giveaways, batched writes) in a thread of its own; with OBS set
up, the bots steer it and its stream state, scene and saved replays become events."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

import httpx

from wavestack.bootstrap import Container
from wavestack.kernel.clock import utcnow
from wavestack.kernel.logging import get_logger
from wavestack.providers.chat.outbox import Outbox
from wavestack.providers.chat.port import ChatPort, PlatformError, StreamControl
from wavestack.providers.discord import DiscordClient, DiscordSettings
from wavestack.providers.oauth import OAuthClient, OAuthError, TokenSet
from wavestack.providers.obs import ObsError, ObsEvent, ObsSettings, ObsWebSocket
from wavestack.providers.streamelements import StreamElementsSettings
from wavestack.providers.streamlabs import StreamlabsSettings
from wavestack.providers.telegram import TelegramClient, TelegramSettings
from wavestack.providers.twitch import Helix, TwitchSettings, TwitchUser
from wavestack.providers.whatsapp import WhatsAppCloud, WhatsAppSettings
from wavestack.providers.youtube import YouTubeLiveChat, YouTubeSettings
from wavestack.services import auto_mod, bots, connections

log = get_logger(__name__)
TICK_SECONDS = 0.5
TOKEN_REUSE = timedelta(minutes=10)  # how long a token read from the database is reused


class StoredToken:
    """An account's access token for an adapter: read from the connection (which refreshes
    it before expiry), kept a few minutes, refreshed at once when the platform says 401."""

    def __init__(self, container: Container, org_id: str, platform: str, oauth: OAuthClient):
        self._container = container
        self._org_id = org_id
        self._platform = platform
        self._oauth = oauth
        self._token = ""
        self._read_at = utcnow() - TOKEN_REUSE
        self._lock = threading.Lock()

    def credentials(self, force: bool = False) -> connections.Credentials:
        """The account and a fresh token."""
        return connections.credentials(
            self._container.uow(),
            self._container.secrets,
            org_id=self._org_id,
            platform=self._platform,
            refresh=self._oauth.refresh,
            force_refresh=force,
        )

    def __call__(self, force: bool) -> str:
        with self._lock:
            if force or not self._token or utcnow() - self._read_at >= TOKEN_REUSE:
                self._token = self.credentials(force).access_token
                self._read_at = utcnow()
            return self._token


class Listener(Protocol):
    """What feeds a bot from a platform."""

    def stop(self) -> None:
        """Stop listening and send what is queued."""


@dataclass
class Platform:
    """A platform ready for a bot: its chat port and stream controls, and how to start
    listening once the bot exists."""

    name: str
    chat: ChatPort
    stream: StreamControl | None
    listen: Callable[[bots.ChatBot], Listener]
    line: str
    channel: str | None = None  # the one channel it speaks in (Twitch, YouTube), if any


@dataclass
class RunningBot:
    """One organization's bot and what feeds it."""

    org_id: str
    bot: bots.ChatBot
    listeners: list[Listener] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def tick_forever(self) -> None:
        while not self.stop.wait(TICK_SECONDS):
            self.bot.tick()
        self.bot.flush()


class ChatAdapters:
    """Starts a bot per organization on its connected platforms; stops them all."""

    def __init__(
        self,
        container: Container,
        *,
        twitch: TwitchSettings | None = None,
        discord: DiscordSettings | None = None,
        telegram: TelegramSettings | None = None,
        whatsapp: WhatsAppSettings | None = None,
        youtube: YouTubeSettings | None = None,
        streamelements: StreamElementsSettings | None = None,
        streamlabs: StreamlabsSettings | None = None,
        obs: ObsSettings | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.container = container
        self.twitch = twitch or TwitchSettings()
        self.discord = discord or DiscordSettings()
        self.telegram = telegram or TelegramSettings()
        self.whatsapp = whatsapp or WhatsAppSettings()
        self.youtube = youtube or YouTubeSettings()
        self.streamelements = streamelements or StreamElementsSettings()
        self.streamlabs = streamlabs or StreamlabsSettings()
        self.obs_settings = obs or ObsSettings()
        self.obs: ObsWebSocket | None = None
        self._own_http = http is None
        self.http = http or httpx.Client(timeout=15.0)
        self.running: list[RunningBot] = []
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    def start(self) -> list[str]:
        """Start what is connected; returns a line per platform and bot (or why none runs)."""
        setups: dict[str, Callable[[str], Platform]] = {
            "discord": self._discord,
            "telegram": self._telegram,
            "whatsapp": self._whatsapp,
        }
        if self.twitch.configured:
            setups["twitch"] = self._twitch
        if self.youtube.configured:
            setups["youtube"] = self._youtube
        uow = self.container.uow
        wanted: dict[str, list[str]] = {}
        for name in setups:
            for org_id in connections.organizations_on(uow(write=False), name):
                wanted.setdefault(org_id, []).append(name)
        if not wanted:
            return ["no chat platform connected (see README: Connecting platforms)"]
        lines = [self._start_obs()] if self.obs_settings.url else []
        for org_id, names in sorted(wanted.items()):
            platforms = []
            for name in names:
                try:
                    platforms.append(setups[name](org_id))
                except (connections.ConnectionUnusable, PlatformError) as exc:
                    log.warning(
                        "platform not started", platform=name, org_id=org_id, error=str(exc)
                    )
                    lines.append(f"{name}: not started for {org_id}: {exc}")
            if platforms:
                self._start_bot(org_id, platforms)
                lines += [platform.line for platform in platforms]
        return lines

    def _start_bot(self, org_id: str, platforms: list[Platform]) -> None:
        bot = bots.build_bot(
            self.container,
            org_id=org_id,
            ports=bots.Ports(
                chat={p.name: p.chat for p in platforms},
                stream={p.name: p.stream for p in platforms if p.stream is not None},
                obs=self.obs,
            ),
        )
        auto_mod.attach(bot)
        running = RunningBot(org_id, bot)
        running.listeners = [platform.listen(bot) for platform in platforms]
        running.listeners += self._alert_feeds(org_id, bot, platforms)
        ticker = threading.Thread(target=running.tick_forever, name=f"bot-{org_id}", daemon=True)
        ticker.start()
        self._threads.append(ticker)
        self.running.append(running)

    def _twitch(self, org_id: str) -> Platform:
        oauth = OAuthClient(self.twitch.oauth(), self.http)
        token = StoredToken(self.container, org_id, "twitch", oauth)
        account = token.credentials()
        helix = Helix(
            self.http, client_id=self.twitch.client_id, token=token, base_url=self.twitch.api_url
        )
        me = TwitchUser(account.account_id, account.account_name, account.account_name)
        broadcaster = helix.user(self.twitch.channel) if self.twitch.channel else me
        # The broadcaster's own account may send 100 messages per 30 s; a bot account
        # (perhaps not a moderator yet) stays under the lower limit.
        limit, window = bots.twitch_chat_limit(moderates=broadcaster.id == me.id)
        chat = bots.TwitchChat(
            helix, me, Outbox(f"twitch-{broadcaster.login}", limit=limit, window=window)
        )

        def listen(bot: bots.ChatBot) -> Listener:
            listener = bots.TwitchListener(bot, chat, broadcaster, self.twitch.eventsub_url)
            listener.start()
            return listener

        return Platform(
            "twitch",
            chat,
            chat,
            listen,
            f"twitch: {me.login} in #{broadcaster.login}",
            broadcaster.id,
        )

    def _fixed_token(self, org_id: str, platform: str) -> connections.Credentials:
        """A connection whose token does not expire (a bot token, a system user's token)."""
        return connections.credentials(
            self.container.uow(),
            self.container.secrets,
            org_id=org_id,
            platform=platform,
            refresh=_no_refresh,
        )

    def _discord(self, org_id: str) -> Platform:
        account = self._fixed_token(org_id, "discord")
        settings = self.discord
        client = DiscordClient(
            account.access_token,
            api_url=settings.api_url,
            gateway_url=settings.gateway_url,
            guild_ready_timeout=settings.guild_ready_seconds,
        )
        client.start()  # a refused token is said here, before the bot starts
        chat = bots.DiscordChat(client)

        def listen(bot: bots.ChatBot) -> Listener:
            listener = bots.DiscordListener(bot, chat, settings)
            client.on_event = listener.event
            registered = bots.register_slash_commands(
                client, bot.commands.commands, settings.guild_id
            )
            log.info("discord slash commands", result=registered, org_id=org_id)
            return listener

        return Platform("discord", chat, None, listen, f"discord: {client.username}")

    def _telegram(self, org_id: str) -> Platform:
        account = self._fixed_token(org_id, "telegram")
        client = TelegramClient(
            account.access_token,
            api_url=self.telegram.api_url,
            poll_timeout=self.telegram.poll_timeout,
        )
        chat = bots.TelegramChat(client)

        pushed = bool(self.telegram.webhook_url)
        if pushed and not self.telegram.webhook_secret:
            raise PlatformError("webhook mode needs WAVESTACK_TELEGRAM_WEBHOOK_SECRET")

        def listen(bot: bots.ChatBot) -> Listener:
            listener = bots.TelegramListener(bot, chat, self.container.bus if pushed else None)
            client.on_update = listener.update
            client.start(poll=not pushed)
            if pushed:
                hook = f"{self.telegram.webhook_url.rstrip('/')}/api/v1/hooks/telegram/{org_id}"
                client.set_webhook(hook, self.telegram.webhook_secret)
            else:
                client.delete_webhook()  # polling gets nothing while a webhook is set
            return listener

        return Platform("telegram", chat, None, listen, f"telegram: @{account.account_name}")

    def _youtube(self, org_id: str) -> Platform:
        oauth = OAuthClient(self.youtube.oauth(), self.http)
        token = StoredToken(self.container, org_id, "youtube", oauth)
        account = token.credentials()
        client = YouTubeLiveChat(token, api_url=self.youtube.api_url)
        chat = bots.YouTubeChat(client, account.account_id)

        def listen(bot: bots.ChatBot) -> Listener:
            watcher = bots.YouTubeWatcher(bot, chat, watch_seconds=self.youtube.watch_seconds)
            watcher.start()
            return watcher

        return Platform(
            "youtube", chat, None, listen, f"youtube: {account.account_name}", account.account_id
        )

    def _alert_feeds(
        self, org_id: str, bot: bots.ChatBot, platforms: list[Platform]
    ) -> list[Listener]:
        """The organization's StreamElements and Streamlabs alerts, thanked in its chats."""
        connected = [
            name
            for name in ("streamelements", "streamlabs")
            if org_id in connections.organizations_on(self.container.uow(write=False), name)
        ]
        channels = {p.name: p.channel for p in platforms if p.channel is not None}
        if connected and not channels:
            log.warning("alerts need a Twitch or YouTube chat to thank in", org_id=org_id)
            return []
        native = {p.name for p in platforms}
        listeners: list[bots.AlertListener] = []
        for name in connected:
            token = self._fixed_token(org_id, name).access_token
            if name == "streamelements":
                listeners.append(
                    bots.StreamElementsListener(
                        bot, token, url=self.streamelements.url, channels=channels, native=native
                    )
                )
            else:
                listeners.append(
                    bots.StreamlabsListener(
                        bot, token, url=self.streamlabs.url, channels=channels, native=native
                    )
                )
        for listener in listeners:
            listener.start()
        return list(listeners)

    def _whatsapp(self, org_id: str) -> Platform:
        account = self._fixed_token(org_id, "whatsapp")
        cloud = WhatsAppCloud(
            self.http,
            token=account.access_token,
            phone_number_id=account.account_id,
            graph_url=self.whatsapp.graph_url,
        )
        chat = bots.WhatsAppChat(
            cloud,
            template=self.whatsapp.template,
            template_language=self.whatsapp.template_language,
        )

        def listen(bot: bots.ChatBot) -> Listener:
            return bots.WhatsAppListener(bot, chat, self.container.bus)

        return Platform("whatsapp", chat, None, listen, f"whatsapp: {account.account_name}")

    def _start_obs(self) -> str:
        """Connect to OBS in the background (it may start after us)."""
        settings = self.obs_settings
        self.obs = ObsWebSocket(settings.url, settings.password, on_event=self._obs_event)
        thread = threading.Thread(target=self._connect_obs, name="obs-connect", daemon=True)
        thread.start()
        self._threads.append(thread)
        return f"obs: {settings.url}"

    def _connect_obs(self) -> None:
        delay = 1.0
        while self.obs is not None and not self._stopping.is_set():
            try:
                self.obs.connect()
                return
            except ObsError as exc:
                log.info("obs not reachable yet", error=str(exc), retry_in=delay)
                if "password" in str(exc) or self._stopping.wait(delay):
                    return
                delay = min(delay * 2, 30.0)

    def _obs_event(self, event: ObsEvent) -> None:
        """Mirror OBS's state into each steering organization's events."""
        for running in list(self.running):
            mirrored = bots.obs_event(running.org_id, event.type, event.data)
            if mirrored is None:
                continue
            with self.container.uow() as uow:
                uow.publish(mirrored)
                uow.commit()

    def stop(self) -> None:
        """Stop listening, send what is queued, write what is buffered."""
        self._stopping.set()
        if self.obs is not None:
            self.obs.close()
        for running in self.running:
            for listener in running.listeners:
                try:
                    listener.stop()
                except Exception:
                    log.exception("stopping a platform failed")
            running.stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self.running.clear()
        if self._own_http:
            self.http.close()


def _no_refresh(_refresh_token: str) -> TokenSet:
    raise OAuthError("a bot token is not refreshed; connect the bot again", code="invalid_grant")
