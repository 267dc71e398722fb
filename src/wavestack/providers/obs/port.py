"""What the bots ask of OBS Studio."""

from __future__ import annotations

from typing import Protocol


class ObsError(Exception):
    """OBS refused or is unreachable; the message is safe to show in chat."""


class Obs(Protocol):
    """Switch scenes, show or hide sources, start and stop the stream."""

    def scenes(self) -> list[str]:
        """The scene names."""

    def set_scene(self, name: str) -> None:
        """Switch the program scene."""

    def toggle_source(self, name: str) -> bool:
        """Show a hidden source or hide a shown one in the current scene; returns visibility."""

    def start_stream(self) -> None:
        """Start streaming."""

    def stop_stream(self) -> None:
        """Stop streaming."""

    def save_replay(self) -> str:
        """Save the replay buffer; returns the file written (the last minutes of the stream)."""
