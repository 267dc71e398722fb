"""OBS Studio: scenes, sources and the stream, through obs-websocket."""

from wavestack.providers.obs.port import Obs, ObsError

__all__ = ["Obs", "ObsError"]
