"""Request and response models of the auth service."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from wavestack.kernel.schemas import ApiInput, ApiModel

SCOPE_PATTERN = re.compile(r"^(admin|[a-z][a-z_]*:[a-z][a-z_]*)$")
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$|^[a-z0-9]$"
Plan = Literal["free", "pro", "enterprise"]


def check_scopes(scopes: list[str]) -> list[str]:
    """Refuse malformed scope names; return them de-duplicated in order."""
    bad = [s for s in scopes if not SCOPE_PATTERN.match(s)]
    if bad:
        raise ValueError(f"invalid scope(s): {', '.join(bad)} (use `admin` or `area:action`)")
    return list(dict.fromkeys(scopes))


class OrganizationCreate(ApiInput):
    """A new organization."""

    name: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(None, pattern=SLUG_PATTERN)
    plan: Plan = "free"
    settings: dict[str, Any] = Field(default_factory=dict)


class OrganizationUpdate(ApiInput):
    """Changes to an organization; absent fields stay."""

    name: str | None = Field(None, min_length=1, max_length=200)
    settings: dict[str, Any] | None = None


class OrganizationRead(ApiModel):
    """An organization as the API shows it."""

    id: str
    name: str
    slug: str
    plan: str
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ClientCreate(BaseModel):
    """A new API client."""

    org_id: str
    name: str = Field("default", min_length=1, max_length=200)
    scopes: list[str] = Field(default_factory=lambda: ["admin"], min_length=1)

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        return check_scopes(value)


class ClientCredentials(BaseModel):
    """A client id with its secret, shown once at creation."""

    client_id: str
    client_secret: str
    org_id: str
    scopes: list[str]


class TokenRequest(BaseModel):
    """The client-credentials grant, as JSON or form fields."""

    grant_type: Literal["client_credentials"] = "client_credentials"
    client_id: str = Field(min_length=1, max_length=64)
    client_secret: str = Field(min_length=1, max_length=200)
    scope: str | None = Field(None, max_length=2000)


class TokenResponse(BaseModel):
    """An access token."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth token type
    expires_in: int
    scope: str
