"""Events of the CMS service."""

from __future__ import annotations

from typing import ClassVar

from wavestack.kernel.messages import Event, Job


class AssetCreated(Event):
    """An asset was uploaded, registered or produced."""

    event_type: ClassVar[str] = "asset.created"
    asset_id: str
    status: str


class AssetReady(Event):
    """An asset's bytes are stored and can be used."""

    event_type: ClassVar[str] = "asset.ready"
    asset_id: str


class AssetFailed(Event):
    """An asset's bytes could not be obtained."""

    event_type: ClassVar[str] = "asset.failed"
    asset_id: str
    error: str


class AssetDeleted(Event):
    """An asset and its bytes were removed."""

    event_type: ClassVar[str] = "asset.deleted"
    asset_id: str


class FetchAsset(Job):
    """Download a registered asset's source URL into storage."""

    job_name: ClassVar[str] = "cms.fetch_asset"
    org_id: str
    asset_id: str
