"""Auto-moderation: banned words that survive obfuscation, the toxicity model, spam heuristics;
the escalation ladder and the audit trail come next. Others use these names."""

from wavestack.services.auto_mod.filters import TermFilter
from wavestack.services.auto_mod.hook import AutoModHook
from wavestack.services.auto_mod.judge import Judge, Judgement, ModerationSettings
from wavestack.services.auto_mod.spam import SpamRules
from wavestack.services.auto_mod.toxicity import ToxicityModel, bundled_model


def moderation_hook(settings: ModerationSettings | None = None) -> AutoModHook:
    """The chat pipeline's hook with the default rules and the bundled toxicity model."""
    return AutoModHook(Judge(settings=settings, toxicity=bundled_model()))


__all__ = [
    "AutoModHook",
    "Judge",
    "Judgement",
    "ModerationSettings",
    "SpamRules",
    "TermFilter",
    "ToxicityModel",
    "bundled_model",
    "moderation_hook",
]
