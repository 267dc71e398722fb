"""Auto-moderation: banned words that survive obfuscation, the toxicity model, spam heuristics;
the escalation ladder and the audit trail come next. Others use these names."""

from collections.abc import Callable

from wavestack.kernel.uow import UnitOfWork
from wavestack.services.auto_mod import service
from wavestack.services.auto_mod.filters import TermFilter
from wavestack.services.auto_mod.hook import AutoModHook
from wavestack.services.auto_mod.judge import Judge, Judgement, ModerationSettings
from wavestack.services.auto_mod.spam import SpamRules
from wavestack.services.auto_mod.toxicity import ToxicityModel, bundled_model


def moderation_hook(uow: Callable[[], UnitOfWork], org_id: str) -> AutoModHook:
    """The chat pipeline's hook for an organization: its lists, its channels' settings."""
    return AutoModHook(uow, org_id, service.process_judges())


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
