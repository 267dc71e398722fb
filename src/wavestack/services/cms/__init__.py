"""CMS: projects and assets. Other services call these functions only."""

from wavestack.services.cms.schemas import AssetRead, ProjectCreate, ProjectRead
from wavestack.services.cms.service import (
    add_stored_asset,
    asset_exists,
    asset_key,
    asset_statuses,
    content_of,
    create_project,
    get_asset,
    guess_mime,
    project_exists,
    share_link,
)

__all__ = [
    "AssetRead",
    "ProjectCreate",
    "ProjectRead",
    "add_stored_asset",
    "asset_exists",
    "asset_key",
    "asset_statuses",
    "content_of",
    "create_project",
    "get_asset",
    "guess_mime",
    "project_exists",
    "share_link",
]
