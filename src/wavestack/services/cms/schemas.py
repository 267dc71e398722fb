"""Request and response models of projects and assets."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AnyHttpUrl, Field, model_validator

from wavestack.kernel.schemas import ApiInput, ApiModel

AssetStatus = Literal["pending", "processing", "ready", "failed"]


class ProjectCreate(ApiInput):
    """A new project."""

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    settings: dict[str, Any] = Field(default_factory=dict)


class ProjectUpdate(ApiInput):
    """Changes to a project; absent fields stay."""

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    settings: dict[str, Any] | None = None


class ProjectRead(ApiModel):
    """A project."""

    id: str
    org_id: str
    name: str
    description: str | None
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class AssetRegister(ApiInput):
    """An asset registered by URL; its bytes are fetched in the background."""

    source_url: AnyHttpUrl
    filename: str | None = Field(None, min_length=1, max_length=255)
    mime_type: str | None = Field(None, max_length=127, pattern=r"^[\w.+-]+/[\w.+-]+$")
    project_id: str | None = Field(None, max_length=36)
    duration: float | None = Field(None, ge=0)
    start_time: float | None = Field(None, ge=0)
    end_time: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _times_in_order(self) -> AssetRegister:
        start, end = self.start_time, self.end_time
        if start is not None and end is not None and end <= start:
            raise ValueError("endTime must be after startTime")
        return self


class AssetRead(ApiModel):
    """An asset."""

    id: str
    org_id: str
    project_id: str | None
    filename: str
    mime_type: str
    size_bytes: int | None
    duration: float | None
    width: int | None = Field(description="Pixels, as probed (a video or image).")
    height: int | None
    storage_type: str
    storage_path: str | None
    source_url: str | None
    start_time: float | None
    end_time: float | None
    status: AssetStatus
    error: str | None
    created_at: datetime
    updated_at: datetime
