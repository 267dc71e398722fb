"""What every way into the personality shares in one process: the built voices and the
toxicity model; and its answer to a chat message, for the bots."""

from __future__ import annotations

from functools import cache

from wavestack.kernel.config import Settings
from wavestack.kernel.errors import AppError
from wavestack.kernel.logging import get_logger
from wavestack.kernel.uow import UnitOfWork
from wavestack.services import llm_gateway
from wavestack.services.auto_mod import ToxicityModel, bundled_model
from wavestack.services.personality import service, stores
from wavestack.services.personality.schemas import ChatContext, ChatRequest
from wavestack.services.personality.settings import PersonalitySettings

log = get_logger(__name__)
VOICES = service.Voices()


@cache
def toxicity() -> ToxicityModel:
    """Auto-mod's toxicity model (loaded once)."""
    return bundled_model()


def reply_in_chat(
    uow: UnitOfWork,
    *,
    settings: Settings,
    org_id: str,
    user_id: str,
    message: str,
    platform: str,
    channel: str,
) -> str | None:
    """The creator's answer to a chat message (their voice, checked for safety, with the
    memories of the install's store), or None when there is nothing learned yet or nothing
    safe to say."""
    llm, max_tokens = llm_gateway.configured()
    try:
        answer = service.chat(
            uow,
            org_id=org_id,
            data=ChatRequest(
                user_id=user_id[:200],
                message=message[:2000],
                context=ChatContext(platform=platform[:32], channel=channel[:200]),
            ),
            voices=VOICES,
            settings=PersonalitySettings(),
            toxicity=toxicity().score,
            llm=llm,
            max_tokens=max_tokens,
            memories=stores.memory_store(settings),
        )
    except AppError as exc:
        log.info("the personality had nothing to say", reason=str(exc))
        return None
    return answer.response
