"""The bots on the connected platforms: for each organization with a working Twitch
connection, a bot reading the channel's EventSub and answering through Helix, moderated by
auto-mod, ticking (timers, giveaways, batched writes) in a thread of its own."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from wavestack.bootstrap import Container
from wavestack.kernel.clock import utcnow
from wavestack.kernel.logging import get_logger
from wavestack.providers.chat.outbox import Outbox
from wavestack.providers.oauth import OAuthClient
from wavestack.providers.twitch import Helix, TwitchError, TwitchSettings, TwitchUser
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


@dataclass
class RunningBot:
    """One organization's bot and what feeds it."""

    org_id: str
    bot: bots.ChatBot
    listeners: list[bots.TwitchListener] = field(default_factory=list)
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
        http: httpx.Client | None = None,
    ) -> None:
        self.container = container
        self.twitch = twitch or TwitchSettings()
        self.http = http or httpx.Client(timeout=15.0)
        self.running: list[RunningBot] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> list[str]:
        """Start what is connected; returns a line per bot (or why none runs)."""
        if not self.twitch.configured:
            return ["no chat platform set up (see README: Connecting platforms)"]
        lines = []
        for org_id in connections.organizations_on(self.container.uow(write=False), "twitch"):
            try:
                lines.append(self._start_twitch(org_id))
            except (connections.ConnectionUnusable, TwitchError) as exc:
                log.warning("twitch bot not started", org_id=org_id, error=str(exc))
                lines.append(f"twitch: not started for {org_id}: {exc}")
        return lines or ["no organization has connected Twitch (wavestack connect twitch)"]

    def _start_twitch(self, org_id: str) -> str:
        token = StoredToken(
            self.container, org_id, "twitch", OAuthClient(self.twitch.oauth(), self.http)
        )
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
        bot = bots.build_bot(
            self.container,
            org_id=org_id,
            ports=bots.Ports(chat={"twitch": chat}, stream={"twitch": chat}),
        )
        auto_mod.attach(bot)
        running = RunningBot(org_id, bot)
        listener = bots.TwitchListener(bot, chat, broadcaster, self.twitch.eventsub_url)
        listener.start()
        running.listeners.append(listener)
        ticker = threading.Thread(target=running.tick_forever, name=f"bot-{org_id}", daemon=True)
        ticker.start()
        self._threads.append(ticker)
        self.running.append(running)
        return f"twitch: {me.login} in #{broadcaster.login}"

    def stop(self) -> None:
        """Stop listening, send what is queued, write what is buffered."""
        for running in self.running:
            for listener in running.listeners:
                listener.stop()
            running.stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self.running.clear()
