"""What the bots report: OBS's stream state, program scene and saved replays, mirrored as
events of each organization whose bot steers that OBS (webhooks and the live bus get them)."""

from __future__ import annotations

from typing import ClassVar

from wavestack.kernel.messages import Event


class ObsStreamChanged(Event):
    """OBS started or stopped streaming."""

    event_type: ClassVar[str] = "obs.stream_changed"
    active: bool
    state: str


class ObsSceneChanged(Event):
    """OBS switched its program scene."""

    event_type: ClassVar[str] = "obs.scene_changed"
    scene: str


class ObsReplaySaved(Event):
    """OBS saved its replay buffer to a file."""

    event_type: ClassVar[str] = "obs.replay_saved"
    path: str


def obs_event(org_id: str, kind: str, data: dict[str, object]) -> Event | None:
    """The organization's event for an OBS event (None for those not mirrored)."""
    if kind == "StreamStateChanged":
        return ObsStreamChanged(
            org_id=org_id,
            active=bool(data.get("outputActive")),
            state=str(data.get("outputState", "")).removeprefix("OBS_WEBSOCKET_OUTPUT_").lower(),
        )
    if kind == "CurrentProgramSceneChanged":
        return ObsSceneChanged(org_id=org_id, scene=str(data.get("sceneName", "")))
    if kind == "ReplayBufferSaved":
        return ObsReplaySaved(org_id=org_id, path=str(data.get("savedReplayPath", "")))
    return None
