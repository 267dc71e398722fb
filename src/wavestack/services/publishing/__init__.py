"""Publishing: posts on platforms, and the scheduler that publishes due queue items. Other
services call these functions only."""

from wavestack.services.publishing.scheduler import PublishScheduler
from wavestack.services.publishing.schemas import PostRead
from wavestack.services.publishing.service import record_post
from wavestack.services.publishing.settings import PublishingSettings

__all__ = ["PostRead", "PublishScheduler", "PublishingSettings", "record_post"]
