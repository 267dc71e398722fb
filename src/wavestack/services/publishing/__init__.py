"""Publishing: posts on platforms. Other services call these functions only."""

from wavestack.services.publishing.schemas import PostRead
from wavestack.services.publishing.service import record_post

__all__ = ["PostRead", "record_post"]
