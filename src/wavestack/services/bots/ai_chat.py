"""The creator's AI voice in chat, where a moderator switched it on (`!ai on`): it answers
questions and mentions of the channel, at most once per `ai_chat_seconds` per channel and
once per `ai_chat_user_seconds` to one viewer. The answer is written off the chat
pipeline's thread (a language model may take seconds) and is what the personality judged
safe to say."""

from __future__ import annotations

import threading
from typing import Annotated

from sqlalchemy import delete

from wavestack.kernel.logging import get_logger
from wavestack.services.bots import toggles
from wavestack.services.bots.engine import Choice, Command, Level, command
from wavestack.services.bots.runtime import ChatBot, Context

log = get_logger(__name__)
FEATURE = "ai-chat"
VIEWERS_KEPT = 4096  # past that, viewers whose wait is over are forgotten


@command("ai", permission=Level.moderator)
def ai(ctx: Context, state: Annotated[str, Choice("on", "off")]) -> str:
    """Let the creator's AI voice answer questions here (on), or not (off)."""
    on = state == "on"
    with ctx.uow() as uow:
        where = (
            toggles.TOGGLES.c.org_id == ctx.bot.org_id,
            toggles.TOGGLES.c.platform == ctx.platform,
            toggles.TOGGLES.c.channel_id == ctx.channel_id,
            toggles.TOGGLES.c.name == FEATURE,
        )
        uow.session.execute(delete(toggles.TOGGLES).where(*where))
        uow.session.execute(
            toggles.TOGGLES.insert().values(
                org_id=ctx.bot.org_id,
                platform=ctx.platform,
                channel_id=ctx.channel_id,
                name=FEATURE,
                enabled=on,
            )
        )
        uow.commit()
    AIChat.of(ctx.bot).switch(ctx.platform, ctx.channel_id, on)
    return "the AI voice answers questions here now" if on else "the AI voice is off here"


class AIChat:
    """Answers in the creator's voice, in channels that asked for it."""

    def __init__(self, bot: ChatBot) -> None:
        self.bot = bot
        self._on: dict[tuple[str, str], bool] = {}
        self._last: dict[tuple[str, str], float] = {}
        self._last_to: dict[tuple[str, str, str], float] = {}
        bot.state[FEATURE] = self

    @staticmethod
    def of(bot: ChatBot) -> AIChat:
        """The bot's AI chat."""
        found = bot.state.get(FEATURE)
        return found if isinstance(found, AIChat) else AIChat(bot)

    def switch(self, platform: str, channel_id: str, on: bool) -> None:
        """Remember a channel's choice."""
        self._on[(platform, channel_id)] = on

    def _switched_on(self, platform: str, channel_id: str) -> bool:
        key = (platform, channel_id)
        if key not in self._on:
            self._on[key] = FEATURE in toggles.switched_on(
                self.bot.uow(write=False),
                org_id=self.bot.org_id,
                platform=platform,
                channel_id=channel_id,
            )
        return self._on[key]

    def __call__(self, ctx: Context) -> str | None:
        event = ctx.event
        if ctx.level >= Level.broadcaster or not self._addressed(event.text, event.channel.name):
            return None
        if not self._switched_on(ctx.platform, ctx.channel_id):
            return None
        channel, now = (ctx.platform, ctx.channel_id), self.bot.monotonic()
        viewer = (ctx.platform, ctx.channel_id, event.author.id)
        settings = self.bot.settings
        if now - self._last.get(channel, -1e18) < settings.ai_chat_seconds:
            return None
        if now - self._last_to.get(viewer, -1e18) < settings.ai_chat_user_seconds:
            return None  # one viewer does not get to keep the voice to themselves
        if len(self._last_to) >= VIEWERS_KEPT:
            self._last_to = {
                k: t for k, t in self._last_to.items() if now - t < settings.ai_chat_user_seconds
            }
        self._last[channel] = self._last_to[viewer] = now
        threading.Thread(
            target=self._answer,
            args=(
                event.author.id,
                event.author.name,
                event.text,
                ctx.platform,
                ctx.channel_id,
                event.id,
            ),
            daemon=True,
        ).start()
        return None

    @staticmethod
    def _addressed(text: str, channel_name: str | None) -> bool:
        mentioned = bool(channel_name) and f"@{channel_name}".casefold() in text.casefold()
        return mentioned or text.rstrip().endswith("?")

    def _answer(
        self, user_id: str, name: str, text: str, platform: str, channel_id: str, reply_to: str
    ) -> None:
        answer = self.bot.ports.answer
        if answer is None:
            return
        try:
            said = answer(user_id, text, platform, channel_id)
        except Exception:
            log.exception("the AI voice failed")
            return
        if said:
            self.bot.say(platform, channel_id, f"@{name} {said}", reply_to=reply_to)


def install(bot: ChatBot) -> None:
    """Listen for questions in channels that switched the AI voice on."""
    bot.listen(AIChat.of(bot))


COMMANDS: list[Command] = [ai]
