"""Meta: Facebook Pages and Instagram professional accounts through the Graph API."""

from wavestack.providers.meta.client import GraphClient, MetaError, MetaUnconfirmed, Page
from wavestack.providers.meta.settings import MetaSettings

__all__ = ["GraphClient", "MetaError", "MetaSettings", "MetaUnconfirmed", "Page"]
