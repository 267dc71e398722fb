"""TikTok: videos posted or sent to the inbox through the Content Posting API."""

from wavestack.providers.tiktok.client import (
    FINISHED,
    ChunkPlan,
    TikTokClient,
    TikTokError,
    chunk_plan,
)
from wavestack.providers.tiktok.settings import TikTokSettings

__all__ = ["FINISHED", "ChunkPlan", "TikTokClient", "TikTokError", "TikTokSettings", "chunk_plan"]
