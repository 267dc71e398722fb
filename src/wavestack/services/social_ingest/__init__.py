"""Social ingest: chat messages from every platform in one shape. Others use these functions."""

from wavestack.services.social_ingest.schemas import Platform
from wavestack.services.social_ingest.service import ChatRecord, chat_between

__all__ = ["ChatRecord", "Platform", "chat_between"]
