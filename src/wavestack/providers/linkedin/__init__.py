"""LinkedIn: posts with images and videos as a member (versioned REST API)."""

from wavestack.providers.linkedin.client import (
    LinkedInClient,
    LinkedInError,
    LinkedInUnconfirmed,
)
from wavestack.providers.linkedin.settings import LinkedInSettings

__all__ = ["LinkedInClient", "LinkedInError", "LinkedInSettings", "LinkedInUnconfirmed"]
