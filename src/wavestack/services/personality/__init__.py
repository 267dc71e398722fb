"""AI personality: the creator's voice learned from their own writing, content written in
it, and a person's review of that content. Other services call these functions only."""

from wavestack.services.personality.answers import reply_in_chat
from wavestack.services.personality.embeddings import embedder
from wavestack.services.personality.memory import reembed
from wavestack.services.personality.schemas import GenerationRead, ProfileRead
from wavestack.services.personality.settings import PersonalitySettings

__all__ = [
    "GenerationRead",
    "PersonalitySettings",
    "ProfileRead",
    "embedder",
    "reembed",
    "reply_in_chat",
]
