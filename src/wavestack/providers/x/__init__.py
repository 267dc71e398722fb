"""X (Twitter): posts, threads and media as a connected account (tweepy, API v2)."""

from wavestack.providers.x.client import XClient, XError, XUnconfirmed
from wavestack.providers.x.settings import XSettings

__all__ = ["XClient", "XError", "XSettings", "XUnconfirmed"]
