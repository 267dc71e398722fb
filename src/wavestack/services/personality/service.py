"""Use cases of the AI personality: learn from the creator's own samples, keep the style
profile, write content in their voice (offline, from the style model), and the review of
what it wrote."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import delete, func, select

from wavestack.kernel.clock import utcnow
from wavestack.kernel.errors import Conflict, ValidationFailed
from wavestack.kernel.logging import get_logger
from wavestack.kernel.queries import get_for_org, read_for_org, read_page
from wavestack.kernel.schemas import Page
from wavestack.kernel.uow import UnitOfWork
from wavestack.providers.llm import LLM, Completion, LLMError, Message
from wavestack.services import autoposter, llm_gateway, social_ingest
from wavestack.services.personality import memory
from wavestack.services.personality.models import (
    ChatCursor,
    Generation,
    Profile,
    Sample,
    Turn,
)
from wavestack.services.personality.prompts import conversation
from wavestack.services.personality.recall import PastReplies
from wavestack.services.personality.schemas import (
    CREATOR_ROLES,
    ChatContext,
    ChatRequest,
    ChatResponse,
    GenerateRequest,
    GenerationRead,
    GenerationStatus,
    LearnMessage,
    LearnRequest,
    LearnResult,
    ProfileRead,
    ProfileSettings,
    ProfileUpdate,
    StyleRead,
)
from wavestack.services.personality.settings import PersonalitySettings
from wavestack.services.personality.stores import MemoryStore
from wavestack.services.personality.style import MarkovVoice, StyleProfile, profile_of, words_of
from wavestack.services.personality.vectors import Vector, embed
from wavestack.services.personality.writer import (
    Safety,
    Written,
    described,
    fit,
    limit_of,
    safe,
    tags_for,
    write,
)

log = get_logger(__name__)
STYLE_MODEL = "style-model"
EXAMPLES = 12  # of the creator's own texts shown to a language model
LLM_FLOOR, LLM_SPAN = 0.5, 0.4  # a model answering: 0.5, up to 0.9 as the voice is known
PAST_REPLIES = "past-replies"
# The offline voice repeats the creator's words; a language model would do more with them.
STYLE_MODEL_CEILING = 0.6
PAST_REPLY_CEILING = 0.8  # the creator's own answer to a like question
RECALL_AT = 0.35  # how alike a past question must be for its answer to be reused
MEMORY_RELEVANT = 0.2  # how alike a memory's wording must be to be shown to a model
LEARN_BATCH = 1000
REJECTED_REMEMBERED = 50  # rejected contents that keep like ones from being offered
MEMORABLE = 7  # statements this important are kept as memories when learned
NOTHING_LEARNED = "nothing learned yet: post samples of the creator's writing to /api/v1/learn"
UNSAFE = "nothing in the creator's voice passed the safety filters for this topic"


@cache
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> float:
    """VADER's compound score of a text: -1 (negative) to 1 (positive)."""
    return float(_analyzer().polarity_scores(text)["compound"])


def learn(
    uow: UnitOfWork,
    *,
    org_id: str,
    data: LearnRequest,
    settings: PersonalitySettings,
    store: MemoryStore,
) -> LearnResult:
    """Keep the creator's own samples (other people's are skipped, never learned) and
    rebuild the style profile from the newest of them. A creator's message that follows
    someone else's is kept as the answer to it: the words are still only the creator's,
    the other message only finds them again."""
    mine: list[tuple[str, str | None]] = []
    asked: str | None = None
    for message in data.content:
        if message.role.lower() in CREATOR_ROLES:
            mine.append((message.message, asked))
            asked = None
        else:
            asked = message.message
    with uow:
        for text, _ in mine:
            kind = memory.kind_of(text)
            if kind != "other" and memory.importance_of(text, kind) >= MEMORABLE:
                memory.remember(uow, org_id=org_id, text=text, kind=kind, store=store)
        for text, prompt in mine:
            uow.session.add(
                Sample(
                    org_id=org_id,
                    text=text,
                    prompt=prompt,
                    data_type=data.data_type,
                    source=data.source,
                    weight=data.weight,
                )
            )
        uow.session.flush()
        profile = _relearn(uow, org_id, settings)
        uow.commit()
        return LearnResult(
            learned=len(mine),
            skipped=len(data.content) - len(mine),
            profile=_read(profile, settings),
        )


CHAT_CURSOR = "social_ingest"


def learn_from_chat(uow: UnitOfWork, *, settings: PersonalitySettings, store: MemoryStore) -> int:
    """Learn what broadcasters wrote in chat since the last run (their own words only: a
    viewer's message is never read here). Returns how many messages were learned."""
    with uow:
        cursor = uow.session.get(ChatCursor, CHAT_CURSOR, with_for_update=True)
        if cursor is None:
            cursor = ChatCursor(name=CHAT_CURSOR, position=0)
            uow.session.add(cursor)
        found, position = social_ingest.broadcaster_messages(uow, after=cursor.position)
        by_org: dict[str, list[str]] = {}
        for message in found:
            by_org.setdefault(message.org_id, []).append(message.text[:10_000])
        for org_id, texts in by_org.items():
            for first in range(0, len(texts), LEARN_BATCH):
                content = [
                    LearnMessage(role="creator", message=text)
                    for text in texts[first : first + LEARN_BATCH]
                    if text.strip()
                ]
                if content:
                    learn(
                        uow,
                        org_id=org_id,
                        data=LearnRequest(data_type="chat", content=content, source="chat"),
                        settings=settings,
                        store=store,
                    )
        cursor.position = position
        uow.commit()
        return len(found)


def _relearn(uow: UnitOfWork, org_id: str, settings: PersonalitySettings) -> Profile:
    texts = _texts(uow, org_id, settings.style_samples)
    profile = _profile_row(uow, org_id)
    profile.style = profile_of(texts, sentiment).as_json()
    profile.style["total"] = _sample_count(uow, org_id)
    return profile


def _texts(uow: UnitOfWork, org_id: str, limit: int) -> list[str]:
    rows = uow.session.scalars(
        select(Sample.text)
        .where(Sample.org_id == org_id)
        .order_by(Sample.created_at.desc())
        .limit(limit)
    )
    return list(rows)


def _sample_count(uow: UnitOfWork, org_id: str) -> int:
    return int(uow.session.scalar(select(func.count()).where(Sample.org_id == org_id)) or 0)


def _profile_row(uow: UnitOfWork, org_id: str) -> Profile:
    row = uow.session.get(Profile, org_id, with_for_update=True)
    if row is None:
        row = Profile(org_id=org_id, style={}, settings=ProfileSettings().model_dump())
        uow.session.add(row)
    return row


def _read(profile: Profile | None, settings: PersonalitySettings) -> ProfileRead:
    style = StyleProfile.from_json(profile.style if profile else {})
    total = int((profile.style if profile else {}).get("total", style.samples))
    return ProfileRead(
        style=StyleRead.model_validate(style.as_json()),
        settings=ProfileSettings.model_validate(profile.settings if profile else {}),
        confidence=round(min(total / settings.confident_at, 1.0), 3),
    )


def get_profile(uow: UnitOfWork, *, org_id: str, settings: PersonalitySettings) -> ProfileRead:
    """The learned style and the settings."""
    with uow:
        return _read(uow.session.get(Profile, org_id), settings)


def update_profile(
    uow: UnitOfWork, *, org_id: str, data: ProfileUpdate, settings: PersonalitySettings
) -> ProfileRead:
    """Change the settings (avoided topics, review, negativity threshold)."""
    with uow:
        profile = _profile_row(uow, org_id)
        changed = ProfileSettings.model_validate(profile.settings or {}).model_copy(
            update=data.model_dump(exclude_unset=True, exclude_none=True)
        )
        profile.settings = changed.model_dump()
        uow.session.flush()
        uow.commit()
        return _read(profile, settings)


@dataclass(frozen=True)
class Voice:
    """What the offline paths write from: the word chain, the past replies, the words."""

    chain: MarkovVoice
    replies: PastReplies
    words: frozenset[str]


class Voices:
    """Each organization's offline voice, built from its samples when they change (building
    reads up to `style_samples` of them; reusing it makes answering cheap)."""

    def __init__(self) -> None:
        self._built: dict[str, tuple[int, Voice]] = {}
        self._lock = threading.Lock()

    def of(self, uow: UnitOfWork, org_id: str, settings: PersonalitySettings) -> Voice:
        """The organization's voice as of its samples now."""
        count = _sample_count(uow, org_id)
        with self._lock:
            known = self._built.get(org_id)
        if known is not None and known[0] == count:
            return known[1]
        rows = uow.session.execute(
            select(Sample.text, Sample.prompt)
            .where(Sample.org_id == org_id)
            .order_by(Sample.created_at.desc())
            .limit(settings.style_samples)
        ).all()
        texts = [text for text, _ in reversed(rows)]
        voice = Voice(
            chain=MarkovVoice(texts),
            replies=PastReplies([(prompt, text) for text, prompt in rows if prompt]),
            words=frozenset(word for text in texts for word in words_of(text)),
        )
        with self._lock:
            self._built[org_id] = (count, voice)
        return voice


def generate(
    uow: UnitOfWork,
    *,
    org_id: str,
    data: GenerateRequest,
    voices: Voices,
    settings: PersonalitySettings,
    toxicity: Callable[[str], float] | None,
    now: datetime,
    every: timedelta,
    platforms: list[str],
    llm: LLM | None = None,
    max_tokens: int = 400,
    rng: random.Random | None = None,
) -> GenerationRead:
    """Write content in the creator's voice; it waits for review (unless the organization
    turned review off)."""
    with uow:
        profile = uow.session.get(Profile, org_id)
        voice = voices.of(uow, org_id, settings).chain
        if voice.empty:
            raise Conflict(NOTHING_LEARNED)
        read = _read(profile, settings)
        style = StyleProfile.from_json(profile.style if profile else {})
        safety = _safety(read, settings, toxicity, _rejected(uow, org_id))
        found = write(
            voice,
            style,
            content_type=data.content_type,
            topic=data.topic,
            context=data.context,
            include_hashtags=data.options.include_hashtags,
            max_length=_max_length(data, settings),
            safety=safety,
            sentiment_of=sentiment,
            rng=rng or random.Random(),  # noqa: S311 - variety, not secrecy
        )
        provider, confidence = STYLE_MODEL, round(read.confidence * STYLE_MODEL_CEILING, 3)
        modelled = (
            _modelled(uow, org_id, llm, style, data, safety, settings, max_tokens)
            if llm is not None
            else None
        )
        if modelled is not None:
            written, provider = modelled
            found = [written, *found]
            confidence = round(LLM_FLOOR + LLM_SPAN * read.confidence, 3)
        if not found:
            raise ValidationFailed(UNSAFE)
        best = found[0]
        generation = Generation(
            org_id=org_id,
            content_type=data.content_type,
            topic=data.topic,
            content=best.text,
            alternatives=[w.text for w in found[1:4]],
            details={
                "sentiment": best.sentiment,
                "energy": best.energy,
                "controversy_score": best.controversy,
            },
            provider=provider,
            confidence=confidence,
            status="pending" if read.settings.review_required else "approved",
        )
        uow.session.add(generation)
        uow.session.flush()
        if generation.status == "approved" and generation.content_type == "tweet":
            # The organization turned review off: the tweet goes to the autoposter as is.
            _to_autoposter(uow, generation, "personality (review off)", now, every, platforms)
        uow.commit()
        return GenerationRead.model_validate(generation)


def _max_length(data: GenerateRequest, settings: PersonalitySettings) -> int | None:
    """The length asked for, and a TikTok caption's cap (a setting) when it is one."""
    caps = [data.options.max_length]
    if data.content_type == "caption" and data.options.platform == "tiktok":
        caps.append(settings.tiktok_caption_chars)
    given = [cap for cap in caps if cap]
    return min(given) if given else None


def _modelled(
    uow: UnitOfWork,
    org_id: str,
    llm: LLM,
    style: StyleProfile,
    data: GenerateRequest,
    safety: Safety,
    settings: PersonalitySettings,
    max_tokens: int,
) -> tuple[Written, str] | None:
    """The language model's content, fitted to the cap and checked like the offline
    voice's; None when no model answered or what it wrote did not pass."""
    limit, measure = limit_of(data.content_type, _max_length(data, settings))
    tags = tags_for(data.topic, style, data.options.include_hashtags)
    examples = _texts(uow, org_id, EXAMPLES)
    talk = conversation(style, examples, data.content_type, data.topic, data.context, limit, tags)
    completion = _ask(uow, org_id, llm, talk, max_tokens)
    if completion is None:
        return None
    text = fit(_clean(completion.text), limit, measure)
    if not text or not safe(text, safety, sentiment):
        log.info("the language model's content did not pass", provider=completion.provider)
        return None
    return described(text, sentiment), completion.provider


def _ask(
    uow: UnitOfWork, org_id: str, llm: LLM, talk: list[Message], max_tokens: int
) -> Completion | None:
    """The model's answer through the gateway (tokens counted and capped per organization);
    None when no provider answered or the day's tokens are spent (the offline voice answers
    then)."""
    try:
        answer, _ = llm_gateway.complete(
            uow, org_id=org_id, llm=llm, messages=talk, max_tokens=max_tokens, temperature=0.8
        )
    except (LLMError, llm_gateway.OverBudget) as exc:
        log.warning("no language model answered; the offline voice does", error=str(exc))
        return None
    return answer


def _clean(text: str) -> str:
    """A model's answer without the quotes or label it may wrap the text in."""
    text = text.strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


def _safety(
    read: ProfileRead,
    settings: PersonalitySettings,
    toxicity: Callable[[str], float] | None,
    rejected: tuple[Vector, ...] = (),
) -> Safety:
    return Safety(
        avoided_topics=read.settings.avoided_topics,
        negativity_threshold=read.settings.negativity_threshold,
        toxicity=toxicity,
        toxicity_threshold=settings.toxicity_threshold,
        rejected=rejected,
    )


def _rejected(uow: UnitOfWork, org_id: str) -> tuple[Vector, ...]:
    """What people rejected lately: content like it is not offered again."""
    texts = uow.session.scalars(
        select(Generation.content)
        .where(Generation.org_id == org_id, Generation.status == "rejected")
        .order_by(Generation.created_at.desc())
        .limit(REJECTED_REMEMBERED)
    )
    return tuple(embed(text) for text in texts)


def chat(
    uow: UnitOfWork,
    *,
    org_id: str,
    data: ChatRequest,
    voices: Voices,
    settings: PersonalitySettings,
    toxicity: Callable[[str], float] | None,
    llm: LLM | None = None,
    max_tokens: int = 400,
    memories: MemoryStore | None = None,
    rng: random.Random | None = None,
) -> ChatResponse:
    """Answer a message in the creator's voice. With a language model: it answers, shown
    the creator's style, examples, the conversation so far (`context_window` messages),
    their past replies to like messages and what is remembered about them that bears on
    the message. Offline (or when no model answered): the creator's own past reply to the
    most similar message when one is close enough, else a sentence of the style model.
    The confidence says which. The message and the answer join the conversation."""
    answer = _answer(
        uow,
        org_id=org_id,
        data=data,
        voices=voices,
        settings=settings,
        toxicity=toxicity,
        llm=llm,
        max_tokens=max_tokens,
        memories=memories,
        rng=rng,
    )
    if settings.context_window:
        with uow:
            _keep_turns(uow, org_id, _conversation(data), data.message, answer.response, settings)
            uow.commit()
    return answer


def _conversation(data: ChatRequest) -> str:
    where = data.context or ChatContext()
    return f"{where.platform or '-'}:{where.channel or '-'}:{data.user_id}"[:300]


def _window(uow: UnitOfWork, org_id: str, conversation_key: str, size: int) -> list[Message]:
    """The conversation's last `size` messages, oldest first."""
    if size <= 0:
        return []
    rows = uow.session.execute(
        select(Turn.role, Turn.text)
        .where(Turn.org_id == org_id, Turn.conversation == conversation_key)
        .order_by(Turn.created_at.desc(), Turn.id.desc())
        .limit(size)
    ).all()
    return [Message("assistant" if r.role == "assistant" else "user", r.text) for r in rows[::-1]]


def _keep_turns(
    uow: UnitOfWork,
    org_id: str,
    conversation_key: str,
    message: str,
    answer: str,
    settings: PersonalitySettings,
) -> None:
    """Add the message and the answer; forget what falls out of the window."""
    now = utcnow()
    uow.session.add(
        Turn(
            org_id=org_id, conversation=conversation_key, role="user", text=message, created_at=now
        )
    )
    uow.session.add(
        Turn(
            org_id=org_id,
            conversation=conversation_key,
            role="assistant",
            text=answer,
            created_at=now + timedelta(microseconds=1),
        )
    )
    uow.session.flush()
    kept = (
        select(Turn.id)
        .where(Turn.org_id == org_id, Turn.conversation == conversation_key)
        .order_by(Turn.created_at.desc(), Turn.id.desc())
        .limit(settings.context_window)
    )
    uow.session.execute(
        delete(Turn).where(
            Turn.org_id == org_id,
            Turn.conversation == conversation_key,
            Turn.id.not_in(kept.scalar_subquery()),
        )
    )


def _answer(
    uow: UnitOfWork,
    *,
    org_id: str,
    data: ChatRequest,
    voices: Voices,
    settings: PersonalitySettings,
    toxicity: Callable[[str], float] | None,
    llm: LLM | None = None,
    max_tokens: int = 400,
    memories: MemoryStore | None = None,
    rng: random.Random | None = None,
) -> ChatResponse:
    """The answer (see `chat`)."""
    with uow:
        profile = uow.session.get(Profile, org_id)
        voice = voices.of(uow, org_id, settings)
        if voice.chain.empty:
            raise Conflict(NOTHING_LEARNED)
        read = _read(profile, settings)
        style = StyleProfile.from_json(profile.style if profile else {})
        safety = _safety(read, settings, toxicity)
        recalled = voice.replies.best(data.message)
        used = [f"{r.answered} -> {r.reply}" for r in recalled if r.similarity >= RECALL_AT]
        if llm is not None:
            if memories is not None:
                used += [
                    hit.memory.text
                    for hit in memory.recall(
                        uow,
                        org_id=org_id,
                        query=data.message,
                        limit=3,
                        store=memories,
                        weights=memory.weights_of(settings),
                        now=utcnow(),
                    )
                    if hit.relevance >= MEMORY_RELEVANT
                ]
            window = _window(uow, org_id, _conversation(data), settings.context_window)
            answered = _modelled_reply(
                uow, org_id, llm, style, data, used, safety, max_tokens, window
            )
            uow.commit()
            if answered is not None:
                text, provider = answered
                return ChatResponse(
                    response=text,
                    confidence=round(LLM_FLOOR + LLM_SPAN * read.confidence, 3),
                    personality_score=_personality(text, voice.words),
                    memory_used=used,
                    provider=provider,
                )
    for past in recalled:
        if past.similarity >= RECALL_AT and safe(past.reply, safety, sentiment):
            return ChatResponse(
                response=past.reply,
                confidence=round(read.confidence * past.similarity * PAST_REPLY_CEILING, 3),
                personality_score=1.0,
                memory_used=[f"{past.answered} -> {past.reply}"],
                provider=PAST_REPLIES,
            )
    found = write(
        voice.chain,
        style,
        content_type="reply",
        topic=data.message,
        context=None,
        include_hashtags=False,
        max_length=None,
        safety=safety,
        sentiment_of=sentiment,
        rng=rng or random.Random(),  # noqa: S311 - variety, not secrecy
    )
    if not found:
        raise ValidationFailed(UNSAFE)
    answer = found[0].text
    return ChatResponse(
        response=answer,
        confidence=round(read.confidence * STYLE_MODEL_CEILING / 2, 3),
        personality_score=_personality(answer, voice.words),
        memory_used=[],
        provider=STYLE_MODEL,
    )


def _modelled_reply(
    uow: UnitOfWork,
    org_id: str,
    llm: LLM,
    style: StyleProfile,
    data: ChatRequest,
    memory: list[str],
    safety: Safety,
    max_tokens: int,
    window: list[Message],
) -> tuple[str, str] | None:
    limit, measure = limit_of("reply", None)
    context = data.message
    if memory:
        context += " (What they said before, and what is known of them: "
        context += " | ".join(memory) + ")"
    system, task = conversation(
        style, _texts(uow, org_id, EXAMPLES), "reply", data.message, context, limit, ""
    )
    completion = _ask(uow, org_id, llm, [system, *window, task], max_tokens)
    if completion is None:
        return None
    text = fit(_clean(completion.text), limit, measure)
    if not text or not safe(text, safety, sentiment):
        return None
    return text, completion.provider


def _personality(text: str, words: frozenset[str]) -> float:
    """Share of a text's words that the creator uses."""
    used = words_of(text)
    return round(len(used & words) / max(len(used), 1), 3)


def list_generations(
    uow: UnitOfWork, *, org_id: str, status: GenerationStatus | None, limit: int, offset: int
) -> Page[GenerationRead]:
    """What the personality wrote, newest first (`status=pending`: waiting for review)."""
    with uow:
        return read_page(
            uow.session,
            Generation,
            GenerationRead,
            match={"org_id": org_id, "status": status},
            limit=limit,
            offset=offset,
        )


def get_generation(uow: UnitOfWork, *, org_id: str, generation_id: str) -> GenerationRead:
    """One piece of generated content."""
    with uow:
        return read_for_org(
            uow.session,
            Generation,
            GenerationRead,
            org_id=org_id,
            id=generation_id,
            what="generated content",
        )


def approve(
    uow: UnitOfWork,
    *,
    org_id: str,
    generation_id: str,
    by: str,
    now: datetime,
    every: timedelta,
    platforms: list[str],
) -> GenerationRead:
    """Approve generated content; an approved tweet goes to the autoposter, queued at the
    next free time. Approving again changes nothing."""
    with uow:
        generation = _locked(uow, org_id, generation_id)
        if generation.status == "rejected":
            raise Conflict("this content was rejected; generate again")
        if generation.status == "pending":
            generation.status = "approved"
            generation.decided_by = by
            generation.decided_at = now
        if generation.content_type == "tweet" and generation.draft_id is None:
            _to_autoposter(uow, generation, by, now, every, platforms)
        uow.commit()
        return GenerationRead.model_validate(generation)


def _locked(uow: UnitOfWork, org_id: str, generation_id: str) -> Generation:
    return get_for_org(
        uow.session,
        Generation,
        org_id=org_id,
        id=generation_id,
        what="generated content",
        for_update=True,
    )


def _to_autoposter(
    uow: UnitOfWork,
    generation: Generation,
    by: str,
    now: datetime,
    every: timedelta,
    platforms: list[str],
) -> None:
    """Queue an approved tweet through the autoposter, at its next free time."""
    generation.draft_id = autoposter.queue_approved(
        uow,
        org_id=generation.org_id,
        text=generation.content,
        source="ai",
        by=by,
        now=now,
        every=every,
        platforms=platforms,
    ).id


def reject(
    uow: UnitOfWork,
    *,
    org_id: str,
    generation_id: str,
    by: str,
    feedback: str | None,
    now: datetime,
) -> GenerationRead:
    """Reject generated content with feedback; it is never published."""
    with uow:
        generation = _locked(uow, org_id, generation_id)
        if generation.status == "approved":
            raise Conflict("this content is approved; cancel its queue item instead")
        if generation.status == "pending":
            generation.status = "rejected"
            generation.feedback = feedback
            generation.decided_by = by
            generation.decided_at = now
            uow.commit()
        return GenerationRead.model_validate(generation)
