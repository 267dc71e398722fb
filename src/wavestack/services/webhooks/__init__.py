"""Outbound webhooks: signed event deliveries to URLs the organization registered."""

from wavestack.services.webhooks.service import SIGNATURE_HEADER, sign

__all__ = ["SIGNATURE_HEADER", "sign"]
