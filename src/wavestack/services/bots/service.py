"""Assemble a chat bot for one organization from the container and the platforms it talks to."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from wavestack.kernel.clock import utcnow
from wavestack.kernel.errors import ValidationFailed
from wavestack.providers.chat.fake import FakeChat, FakeStreamControl, Sent
from wavestack.providers.obs.fake import FakeObs
from wavestack.providers.transcode.port import NotMedia
from wavestack.services import clipper, social_ingest
from wavestack.services.bots import (
    ai_chat,
    alerts,
    clips,
    commands,
    custom,
    games,
    giveaways,
    polls,
    reminders,
    timers,
)
from wavestack.services.bots.console import PLATFORMS
from wavestack.services.bots.engine import Command
from wavestack.services.bots.runtime import AIAnswer, AllowAll, ChatBot, ModerationHook, Ports
from wavestack.services.bots.settings import BotSettings

if TYPE_CHECKING:
    from wavestack.bootstrap import Container

FEATURES = (commands, clips, custom, games, giveaways, polls, reminders, timers, ai_chat)


def all_commands() -> list[Command]:
    """Every built-in command."""
    return [cmd for feature in FEATURES for cmd in feature.COMMANDS]


def clip_starter(
    container: Container, org_id: str
) -> Callable[[str, float, float, str | None], str]:
    """Start clip jobs through the clipper's public use case."""

    def start(source: str, start_sec: float, duration: float, title: str | None) -> str:
        if start_sec < 0:
            # Counted back from the end of a recording (OBS's replay buffer): its length
            # says where that is. The path is checked against the media roots first.
            roots = container.settings.resolved_media_roots
            try:
                length = container.transcoder.probe(clipper.media_path(source, roots)).duration
            except NotMedia as exc:
                raise ValidationFailed(f"source: {source} is not a recording ({exc})") from exc
            start_sec = max(0.0, (length or 0.0) + start_sec)
        accepted = clipper.create_job(
            container.uow(),
            org_id=org_id,
            data=clipper.ClipRequest(
                source=source, start_sec=start_sec, duration_sec=duration, name=title
            ),
            roots=container.settings.resolved_media_roots,
            egress=container.egress,
            transcoder=container.transcoder,
        )
        return accepted.job_id

    return start


def ai_answerer(container: Container, org_id: str) -> AIAnswer:
    """The personality's answers in chat, for the organization."""

    def answer(user_id: str, text: str, platform: str, channel: str) -> str | None:
        # Imported here: the personality reaches auto-mod, which builds on the bots.
        from wavestack.services import personality

        return personality.reply_in_chat(
            container.uow(),
            settings=container.settings,
            org_id=org_id,
            user_id=user_id,
            message=text,
            platform=platform,
            channel=channel,
        )

    return answer


def build_bot(
    container: Container,
    *,
    org_id: str,
    ports: Ports,
    settings: BotSettings | None = None,
    clock: Callable[[], datetime] = utcnow,
    monotonic: Callable[[], float] | None = None,
    rng: random.Random | None = None,
) -> ChatBot:
    """A bot with every command and feature, storing chat and announcing it live."""
    if ports.clip is None:
        ports.clip = clip_starter(container, org_id)
    if ports.answer is None:
        ports.answer = ai_answerer(container, org_id)
    extra = {"monotonic": monotonic} if monotonic is not None else {}
    bot = ChatBot(
        org_id=org_id,
        uow=container.uow,
        ports=ports,
        commands=all_commands(),
        settings=settings,
        clock=clock,
        rng=rng,
        on_stored=lambda events: social_ingest.announce(container.bus, org_id, events),
        **extra,
    )
    bot.custom = custom.run_custom
    for feature in (games, clips, giveaways, polls, reminders, timers, alerts, ai_chat):
        feature.install(bot)
    return bot


def console_bot(
    container: Container,
    *,
    org_id: str,
    on_send: Callable[[Sent], None],
    on_action: Callable[[str], None] | None = None,
    moderation: ModerationHook | None = None,
) -> ChatBot:
    """A bot whose platforms are in memory: what it says goes to `on_send` (the console),
    what it does to messages and chatters (moderation) to `on_action`."""
    ports = Ports(
        chat={p: FakeChat(p, on_send=on_send, on_action=on_action) for p in PLATFORMS},
        stream={p: FakeStreamControl(p) for p in PLATFORMS},
        obs=FakeObs(),
        moderation=moderation or AllowAll(),
    )
    return build_bot(container, org_id=org_id, ports=ports)
