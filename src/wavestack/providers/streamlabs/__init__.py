"""Streamlabs: the account's alerts (donations, follows, subs, bits, raids, merch) over its
Socket API."""

from wavestack.providers.streamlabs.settings import StreamlabsSettings
from wavestack.providers.streamlabs.socket import StreamlabsRefused, StreamlabsSocket

__all__ = ["StreamlabsRefused", "StreamlabsSettings", "StreamlabsSocket"]
