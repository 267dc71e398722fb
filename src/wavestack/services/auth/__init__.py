"""Auth: organizations, API clients, tokens. Other services call these functions only."""

from wavestack.services.auth.schemas import (
    ClientCreate,
    ClientCredentials,
    OrganizationCreate,
    OrganizationRead,
    TokenRequest,
)
from wavestack.services.auth.service import (
    count_organizations,
    create_client,
    create_organization,
    get_organization,
    issue_token,
    oldest_organization_id,
    organization_exists,
)

__all__ = [
    "ClientCreate",
    "ClientCredentials",
    "OrganizationCreate",
    "OrganizationRead",
    "TokenRequest",
    "count_organizations",
    "create_client",
    "create_organization",
    "get_organization",
    "issue_token",
    "oldest_organization_id",
    "organization_exists",
]
