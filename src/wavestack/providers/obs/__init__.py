"""OBS Studio: scenes, sources, the stream and the replay buffer, through obs-websocket 5."""

from wavestack.providers.obs.client import ObsEvent, ObsStats, ObsWebSocket
from wavestack.providers.obs.port import Obs, ObsError
from wavestack.providers.obs.settings import ObsSettings

__all__ = ["Obs", "ObsError", "ObsEvent", "ObsSettings", "ObsStats", "ObsWebSocket"]
