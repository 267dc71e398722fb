"""Auto-moderation: banned words that survive obfuscation, the toxicity model, spam, raids and
images; violations escalated on a ladder and every decision audited. Others use these names:
`attach(bot)` moderates a chat bot."""

from wavestack.services.auto_mod.commands import attach
from wavestack.services.auto_mod.filters import TermFilter
from wavestack.services.auto_mod.hook import AutoModHook
from wavestack.services.auto_mod.judge import Judge, Judgement
from wavestack.services.auto_mod.service import audit_page
from wavestack.services.auto_mod.settings import ModerationSettings
from wavestack.services.auto_mod.spam import SpamRules
from wavestack.services.auto_mod.toxicity import ToxicityModel, bundled_model

__all__ = [
    "AutoModHook",
    "Judge",
    "Judgement",
    "ModerationSettings",
    "SpamRules",
    "TermFilter",
    "ToxicityModel",
    "attach",
    "audit_page",
    "bundled_model",
]
