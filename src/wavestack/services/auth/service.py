"""Use cases of the auth service: organizations, API clients, and client-credentials tokens."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as token_source

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from wavestack.kernel.auth import Principal, TokenService
from wavestack.kernel.clock import utcnow
from wavestack.kernel.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.auth.models import ApiClient, Organization
from wavestack.services.auth.schemas import (
    ClientCreate,
    ClientCredentials,
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    TokenRequest,
    TokenResponse,
    check_scopes,
)


def _hash_secret(secret: str) -> str:
    # Secrets are 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def slugify(name: str) -> str:
    """Turn a name into a URL-safe slug."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return slug or "org"


def create_organization(uow: UnitOfWork, data: OrganizationCreate) -> OrganizationRead:
    """Create an organization; a taken slug is a conflict, a derived one gets a suffix."""
    with uow:
        slug = data.slug or slugify(data.name)
        if data.slug is None:
            taken = set(
                uow.session.scalars(
                    select(Organization.slug).where(Organization.slug.like(f"{slug}%"))
                )
            )
            base, n = slug, 2
            while slug in taken:
                slug, n = f"{base}-{n}", n + 1
        org = Organization(name=data.name, slug=slug, plan=data.plan, settings=data.settings)
        uow.session.add(org)
        try:
            uow.session.flush()
        except IntegrityError as exc:
            raise Conflict(f"slug {slug!r} is taken") from exc
        uow.commit()
        return OrganizationRead.model_validate(org)


def get_organization(uow: UnitOfWork, org_id: str) -> OrganizationRead:
    """Return one organization."""
    with uow:
        org = uow.session.get(Organization, org_id)
        if org is None:
            raise NotFound("organization not found")
        return OrganizationRead.model_validate(org)


def update_organization(uow: UnitOfWork, org_id: str, data: OrganizationUpdate) -> OrganizationRead:
    """Change an organization's name or settings."""
    with uow:
        org = uow.session.get(Organization, org_id)
        if org is None:
            raise NotFound("organization not found")
        if data.name is not None:
            org.name = data.name
        if data.settings is not None:
            org.settings = data.settings
        uow.commit()
        return OrganizationRead.model_validate(org)


def count_organizations(uow: UnitOfWork) -> int:
    """Return how many organizations exist (first-start detection)."""
    with uow:
        return int(uow.session.scalar(select(func.count()).select_from(Organization)) or 0)


def oldest_organization_id(uow: UnitOfWork) -> str | None:
    """Return the first organization created (the first-run default), if any."""
    with uow:
        return uow.session.scalar(
            select(Organization.id).order_by(Organization.created_at, Organization.id).limit(1)
        )


def organization_exists(uow: UnitOfWork, org_id: str) -> bool:
    """Tell whether an organization exists."""
    with uow:
        return uow.session.get(Organization, org_id) is not None


def create_client(uow: UnitOfWork, data: ClientCreate) -> ClientCredentials:
    """Create API client credentials; the secret is returned once and stored hashed."""
    client_id = "wsc_" + token_source.token_hex(12)
    secret = "wss_" + token_source.token_urlsafe(32)
    with uow:
        if uow.session.get(Organization, data.org_id) is None:
            raise NotFound(f"organization {data.org_id} not found")
        uow.session.add(
            ApiClient(
                id=client_id,
                org_id=data.org_id,
                name=data.name,
                secret_hash=_hash_secret(secret),
                scopes=data.scopes,
            )
        )
        uow.commit()
    return ClientCredentials(
        client_id=client_id, client_secret=secret, org_id=data.org_id, scopes=data.scopes
    )


def authenticate(uow: UnitOfWork, client_id: str, client_secret: str) -> Principal:
    """Check client credentials and return the client as a principal."""
    with uow:
        client = uow.session.get(ApiClient, client_id)
        # Compare against a dummy hash when the client is unknown so timing tells nothing.
        expected = client.secret_hash if client is not None else _hash_secret("x" * 48)
        if (
            not hmac.compare_digest(expected, _hash_secret(client_secret))
            or client is None
            or client.revoked_at is not None
        ):
            raise Unauthorized(
                "invalid_client: unknown client or wrong secret",
                details={"oauth_error": "invalid_client"},
            )
        principal = Principal(
            client_id=client.id, org_id=client.org_id, scopes=frozenset(client.scopes)
        )
        client.last_used_at = utcnow()
        uow.commit()
        return principal


def grant_scopes(client: Principal, requested: str | None) -> list[str]:
    """Intersect the requested scopes with what the client may have."""
    if not requested or not requested.strip():
        return sorted(client.scopes)
    try:
        wanted = check_scopes(requested.split())
    except ValueError as exc:
        raise ValidationFailed(str(exc), details={"oauth_error": "invalid_scope"}) from exc
    granted = [scope for scope in wanted if client.allows(scope)]
    if not granted:
        raise ValidationFailed(
            "none of the requested scopes is granted to this client",
            details={"oauth_error": "invalid_scope"},
        )
    return granted


def issue_token(uow: UnitOfWork, tokens: TokenService, request: TokenRequest) -> TokenResponse:
    """Exchange client credentials for an access token."""
    client = authenticate(uow, request.client_id, request.client_secret)
    scopes = grant_scopes(client, request.scope)
    token = tokens.issue(client_id=client.client_id, org_id=client.org_id, scopes=scopes)
    return TokenResponse(access_token=token, expires_in=tokens.ttl_seconds, scope=" ".join(scopes))
