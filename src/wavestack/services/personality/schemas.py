"""Request and response models of the AI personality."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from wavestack.kernel.schemas import ApiInput, ApiModel

ContentType = Literal["tweet", "caption", "description", "title", "reply"]
MemoryKind = Literal["fact", "preference", "event", "relationship", "other"]
GenerationStatus = Literal["pending", "approved", "rejected"]
# Whose words a sample is: only the creator's own are learned.
CREATOR_ROLES = frozenset({"creator", "self"})


class LearnMessage(ApiInput):
    """One text, and who wrote it."""

    role: str = Field(min_length=1, max_length=32, description='"creator" (or "self") is learned')
    message: str = Field(min_length=1, max_length=10_000)


class LearnRequest(ApiInput):
    """Samples of the creator's writing."""

    data_type: Literal["chat", "tweets", "transcript", "text"] = "text"
    content: list[LearnMessage] = Field(min_length=1, max_length=5000)
    source: str = Field("api", min_length=1, max_length=64)
    weight: float = Field(1.0, gt=0, le=10)


class StyleRead(ApiModel):
    """How the creator writes, as learned."""

    samples: int
    words: int
    vocabulary: list[str]
    catchphrases: list[str]
    emoji: list[str]
    hashtags: list[str]
    topics: list[str]
    sentence_words: float
    exclamation_rate: float
    question_rate: float
    emoji_rate: float
    formality: float
    sentiment: float


class ProfileSettings(ApiModel):
    """What the organization decided about the personality."""

    avoided_topics: list[str] = Field(default_factory=list)
    review_required: bool = Field(True, description="Generated content waits for a person.")
    negativity_threshold: float = Field(-0.5, ge=-1, le=1)


class ProfileUpdate(ApiInput):
    """Changes to the settings; absent fields stay."""

    avoided_topics: list[str] | None = Field(None, max_length=100)
    review_required: bool | None = None
    negativity_threshold: float | None = Field(None, ge=-1, le=1)


class ProfileRead(ApiModel):
    """The learned style, the settings, and how sure the personality can be of its voice."""

    style: StyleRead
    settings: ProfileSettings
    confidence: float = Field(description="Grows with the samples learned, up to 1.")


class LearnResult(ApiModel):
    """What a learn call took in."""

    learned: int
    skipped: int = Field(description="Samples of other people: never learned.")
    profile: ProfileRead


class GenerateOptions(ApiInput):
    """How to shape the content."""

    include_hashtags: bool = False
    max_length: int | None = Field(None, ge=10, le=5000)
    platform: Literal["instagram", "tiktok"] = Field(
        "instagram", description="Whose caption: TikTok's cap is a setting."
    )


class GenerateRequest(ApiInput):
    """What to write."""

    content_type: ContentType
    topic: str = Field(min_length=1, max_length=300)
    context: str | None = Field(None, max_length=2000, description="For a reply: the message.")
    options: GenerateOptions = Field(default_factory=GenerateOptions)


class GenerationDetails(ApiModel):
    """What the content is like."""

    sentiment: float
    energy: float
    controversy_score: float


class GenerationRead(ApiModel):
    """Content the personality wrote, and where its review stands."""

    id: str
    content_type: ContentType
    topic: str
    content: str
    alternatives: list[str]
    metadata: GenerationDetails = Field(validation_alias="details")
    provider: str
    confidence: float
    status: GenerationStatus
    feedback: str | None
    decided_at: datetime | None
    draft_id: str | None
    created_at: datetime


class ChatContext(ApiInput):
    """Where the message was said."""

    platform: str | None = Field(None, max_length=32)
    channel: str | None = Field(None, max_length=200)


class ChatRequest(ApiInput):
    """A message to answer in the creator's voice."""

    user_id: str = Field(min_length=1, max_length=200)
    message: str = Field(min_length=1, max_length=2000)
    context: ChatContext | None = None


class ChatResponse(ApiModel):
    """The answer, and which path gave it."""

    response: str
    confidence: float = Field(description="How sure the answer is; the offline paths stay low.")
    personality_score: float = Field(description="Share of the answer's words the creator uses.")
    memory_used: list[str] = Field(description="Past replies of the creator's it drew on.")
    provider: str = Field(description='"past-replies" or "style-model" offline.')


class MemoryCreate(ApiInput):
    """Something to remember; kind and importance are worked out when not given."""

    text: str = Field(min_length=1, max_length=5000)
    kind: MemoryKind | None = None
    importance: int | None = Field(None, ge=1, le=10)


class MemoryRead(ApiModel):
    """A memory."""

    id: str
    text: str
    kind: MemoryKind
    importance: int
    access_count: int
    last_accessed_at: datetime
    created_at: datetime


class MemoryHit(ApiModel):
    """A memory recalled for a question, and why."""

    memory: MemoryRead
    score: float = Field(description="Recency, importance and relevance, weighed.")
    relevance: float = Field(description="Cosine similarity of wording, -1 to 1.")


class MemoryHits(ApiModel):
    """Memories recalled, best first."""

    items: list[MemoryHit]


class Housekeeping(ApiModel):
    """What a consolidation or a pruning did."""

    merged: int = 0
    pruned: int = 0


class Feedback(ApiInput):
    """Why content is rejected (learned from later)."""

    feedback: str | None = Field(None, max_length=2000)
