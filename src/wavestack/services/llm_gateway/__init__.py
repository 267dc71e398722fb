"""Language model gateway: one way to the configured models for every service, with each
organization's tokens counted and capped, and answers cached. Others call these only."""

from wavestack.services.llm_gateway.service import OverBudget, complete, configured
from wavestack.services.llm_gateway.settings import GatewaySettings

__all__ = ["GatewaySettings", "OverBudget", "complete", "configured"]
