"""OBS in memory: scenes with sources, and whether it streams."""

from __future__ import annotations

from wavestack.providers.obs.port import ObsError


class FakeObs:
    """A scene collection held in memory."""

    def __init__(self, scenes: dict[str, dict[str, bool]] | None = None) -> None:
        self.collection = scenes or {
            "Starting Soon": {"Countdown": True},
            "Gameplay": {"Webcam": True, "Alerts": True},
            "Just Chatting": {"Webcam": True},
            "BRB": {"Music": True},
        }
        self.current = next(iter(self.collection))
        self.streaming = False
        self.replay_path: str | None = None  # where a saved replay goes; None: buffer off

    def scenes(self) -> list[str]:
        """The scene names."""
        return list(self.collection)

    def set_scene(self, name: str) -> None:
        """Switch to the scene with this name (any case)."""
        for scene in self.collection:
            if scene.casefold() == name.casefold():
                self.current = scene
                return
        raise ObsError(f"no scene named {name!r}; scenes: {', '.join(self.collection)}")

    def toggle_source(self, name: str) -> bool:
        """Flip a source of the current scene."""
        sources = self.collection[self.current]
        for source in sources:
            if source.casefold() == name.casefold():
                sources[source] = not sources[source]
                return sources[source]
        raise ObsError(f"no source {name!r} in scene {self.current!r}")

    def start_stream(self) -> None:
        """Start streaming."""
        if self.streaming:
            raise ObsError("already streaming")
        self.streaming = True

    def stop_stream(self) -> None:
        """Stop streaming."""
        if not self.streaming:
            raise ObsError("not streaming")
        self.streaming = False

    def save_replay(self) -> str:
        """The replay file, when the buffer is on."""
        if self.replay_path is None:
            raise ObsError("the replay buffer is off (start it in OBS)")
        return self.replay_path
