"""Connected platform accounts of an organization: tokens encrypted at rest, refreshed before
they expire. The chat adapters and the publishers use these functions."""

from wavestack.services.connections.schemas import ConnectionRead
from wavestack.services.connections.service import (
    ConnectionUnusable,
    Credentials,
    credentials,
    list_connections,
    organizations_on,
    remove,
    save,
)

__all__ = [
    "ConnectionRead",
    "ConnectionUnusable",
    "Credentials",
    "credentials",
    "list_connections",
    "organizations_on",
    "remove",
    "save",
]
