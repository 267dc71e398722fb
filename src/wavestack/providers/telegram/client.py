"""A Telegram bot through python-telegram-bot's `Bot`, on an event loop in a thread of its
own: long polling for updates (handed on as Bot API JSON), and calls from the bots' sync code
that wait out a 429's `retry_after`."""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import structlog
from telegram import Bot, ChatPermissions
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from wavestack.providers.chat.port import PlatformError

# Durations as timedelta, python-telegram-bot's next behaviour (it warns about the old one
# on every 429 otherwise); it reads this when it builds the error.
os.environ.setdefault("PTB_TIMEDELTA", "1")
log = structlog.get_logger(__name__)
T = TypeVar("T")
ALLOWED_UPDATES = ["message", "edited_message", "chat_member", "my_chat_member"]
MIN_RESTRICTION = timedelta(seconds=31)  # Telegram reads shorter restrictions as "forever"
MAX_RETRY_AFTER = 60.0


class TelegramFailed(PlatformError):
    """Telegram refused a call; the message is safe to show in chat."""


def _seconds(exc: RetryAfter) -> float:
    wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


class TelegramClient:
    """One bot token: polling in the background, calls answered from any thread."""

    def __init__(
        self,
        token: str,
        *,
        api_url: str = "https://api.telegram.org",
        on_update: Callable[[dict[str, Any]], None] | None = None,
        poll_timeout: int = 25,
        backoff: tuple[float, float] = (1.0, 60.0),
    ) -> None:
        base = api_url.rstrip("/")
        self.bot = Bot(
            token,
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=HTTPXRequest(connection_pool_size=8),
            get_updates_request=HTTPXRequest(read_timeout=poll_timeout + 10),
        )
        self.on_update = on_update
        self._poll_timeout = poll_timeout
        self._backoff = backoff
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="telegram", daemon=True)
        self._polling: asyncio.Future[None] | None = None
        self._stop = threading.Event()
        # Updates are handled in a thread of their own, in order: the handler calls back
        # into the bot (a member check), which would wait forever on the loop's own thread.
        self._updates: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._handler = threading.Thread(
            target=self._handle_updates, name="telegram-updates", daemon=True
        )
        self.username = ""
        self.user_id = 0

    # -- lifecycle ----------------------------------------------------------------------

    def start(self, *, poll: bool = True) -> None:
        """Check the token (getMe), then poll for updates unless told not to (webhooks)."""
        self._thread.start()
        self._handler.start()
        try:
            self._run(self.bot.initialize())
        except (InvalidToken, Forbidden) as exc:
            raise TelegramFailed(f"Telegram refused the bot token ({exc})") from exc
        self.username = self.bot.username
        self.user_id = self.bot.id
        if poll:
            self._polling = asyncio.run_coroutine_threadsafe(self._poll(), self._loop)  # type: ignore[assignment]

    def stop(self) -> None:
        """Stop polling and close the connections."""
        self._stop.set()
        if self._polling is not None:
            self._polling.cancel()
        if self._handler.is_alive():
            self._updates.put(None)
            self._handler.join(timeout=10)
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self.bot.shutdown(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        if not self._loop.is_closed() and not self._loop.is_running():
            self._loop.close()

    async def _poll(self) -> None:
        offset: int | None = None
        delay = self._backoff[0]
        while not self._stop.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=self._poll_timeout, allowed_updates=ALLOWED_UPDATES
                )
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc))
                continue
            except (NetworkError, TelegramError) as exc:
                log.info("telegram polling failed", error=str(exc), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._backoff[1])
                continue
            delay = self._backoff[0]
            for update in updates:
                offset = update.update_id + 1
                self.deliver(update.to_dict())

    def deliver(self, update: dict[str, Any]) -> None:
        """Hand one update on (polling, or a webhook's delivery)."""
        self._updates.put(update)

    def _handle_updates(self) -> None:
        while (update := self._updates.get()) is not None:
            if self.on_update is None:
                continue
            try:
                self.on_update(update)
            except Exception:
                log.exception(
                    "handling a telegram update failed", update_id=update.get("update_id")
                )

    def set_webhook(self, url: str, secret: str) -> None:
        """Have Telegram push updates to `url`, each carrying `secret`."""
        self.call(
            lambda: self.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES),
            "the webhook",
        )

    def delete_webhook(self) -> None:
        """Back to polling."""
        self.call(self.bot.delete_webhook, "removing the webhook")

    # -- calls --------------------------------------------------------------------------

    def _run(self, work: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=timeout)

    def call(self, make: Callable[[], Coroutine[Any, Any, T]], what: str) -> T:
        """Run a Bot API call, waiting as told on 429 (a few times at most)."""
        for _ in range(3):
            try:
                return self._run(make())
            except RetryAfter as exc:
                wait = _seconds(exc)
                if wait > MAX_RETRY_AFTER:
                    break
                threading.Event().wait(wait)
            except TelegramError as exc:
                raise TelegramFailed(f"Telegram refused {what}: {exc.message}") from exc
        raise TelegramFailed(f"Telegram keeps limiting {what}; try again later")

    def send(self, chat_id: str, text: str, *, reply_to: int | None = None) -> int:
        """Post a message; returns its id."""
        sent = self.call(
            lambda: self.bot.send_message(
                chat_id=chat_id, text=text[:4096], reply_to_message_id=reply_to
            ),
            "the message",
        )
        return int(sent.message_id)

    def delete(self, chat_id: str, message_id: int) -> None:
        """Remove a message (the bot must be an admin that may delete)."""
        self.call(lambda: self.bot.delete_message(chat_id, message_id), "the deletion")

    def restrict(self, chat_id: str, user_id: int, seconds: int) -> None:
        """Keep a member from writing for a while."""
        until = datetime.now(UTC) + max(timedelta(seconds=seconds), MIN_RESTRICTION)
        self.call(
            lambda: self.bot.restrict_chat_member(
                chat_id, user_id, ChatPermissions(can_send_messages=False), until_date=until
            ),
            "the timeout",
        )

    def ban(self, chat_id: str, user_id: int) -> None:
        """Ban a member from the group."""
        self.call(lambda: self.bot.ban_chat_member(chat_id, user_id), "the ban")

    def member_status(self, chat_id: str, user_id: int) -> str:
        """creator, administrator, member, restricted, left or kicked."""
        member = self.call(lambda: self.bot.get_chat_member(chat_id, user_id), "the member check")
        return str(member.status)
