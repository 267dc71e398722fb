"""WhatsApp Business through Meta's Cloud API: webhooks in (signature checked), Graph API out."""

from wavestack.providers.whatsapp.cloud import (
    OUTSIDE_WINDOW,
    Inbound,
    WhatsAppCloud,
    WhatsAppError,
    inbound_messages,
    signature_ok,
    verification,
)
from wavestack.providers.whatsapp.settings import WhatsAppSettings

__all__ = [
    "OUTSIDE_WINDOW",
    "Inbound",
    "WhatsAppCloud",
    "WhatsAppError",
    "WhatsAppSettings",
    "inbound_messages",
    "signature_ok",
    "verification",
]
