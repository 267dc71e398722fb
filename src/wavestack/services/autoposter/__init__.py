"""Autoposter: drafts (written by a person, or by the AI personality) that a person approves
are queued for X at a steady cadence; nothing unapproved is posted. Other services call
these functions only."""

from wavestack.services.autoposter.schemas import DraftRead
from wavestack.services.autoposter.service import add_draft, queue_approved
from wavestack.services.autoposter.settings import AutoposterSettings

__all__ = ["AutoposterSettings", "DraftRead", "add_draft", "queue_approved"]
