"""StreamElements: the channel's activities (tips, merch, follows, subs...) over Astro."""

from wavestack.providers.streamelements.astro import TOPIC, AstroFeed
from wavestack.providers.streamelements.settings import StreamElementsSettings

__all__ = ["TOPIC", "AstroFeed", "StreamElementsSettings"]
