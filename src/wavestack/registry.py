"""The explicit list of services: their routers and what they install into the container."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import APIRouter

from wavestack.services.auth import api as auth_api
from wavestack.services.auto_mod import api as auto_mod_api
from wavestack.services.autoposter import api as autoposter_api
from wavestack.services.bots import api as bots_api
from wavestack.services.clipper import api as clipper_api
from wavestack.services.clipper import handlers as clipper_handlers
from wavestack.services.cms import api as cms_api
from wavestack.services.cms import handlers as cms_handlers
from wavestack.services.connections import api as connections_api
from wavestack.services.content_queue import api as queue_api
from wavestack.services.llm_gateway import api as llm_gateway_api
from wavestack.services.personality import api as personality_api
from wavestack.services.personality import handlers as personality_handlers
from wavestack.services.publishing import api as publishing_api
from wavestack.services.publishing import handlers as publishing_handlers
from wavestack.services.social_ingest import api as social_ingest_api
from wavestack.services.webhooks import api as webhooks_api
from wavestack.services.webhooks import handlers as webhooks_handlers

if TYPE_CHECKING:
    from wavestack.bootstrap import Container


@dataclass(frozen=True)
class ServiceSpec:
    """One service: its HTTP routes and its jobs, subscribers and schedules."""

    name: str
    router: APIRouter | None = None
    install: Callable[[Container], None] | None = None


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("auth", router=auth_api.router),
    ServiceSpec("auto_mod", router=auto_mod_api.router),
    ServiceSpec("autoposter", router=autoposter_api.router),
    ServiceSpec("bots", router=bots_api.router),
    ServiceSpec("cms", router=cms_api.router, install=cms_handlers.install),
    ServiceSpec("clipper", router=clipper_api.router, install=clipper_handlers.install),
    ServiceSpec("connections", router=connections_api.router),
    ServiceSpec("content_queue", router=queue_api.router),
    ServiceSpec("llm_gateway", router=llm_gateway_api.router),
    ServiceSpec("personality", router=personality_api.router, install=personality_handlers.install),
    ServiceSpec("publishing", router=publishing_api.router, install=publishing_handlers.install),
    ServiceSpec("social_ingest", router=social_ingest_api.router),
    ServiceSpec("webhooks", router=webhooks_api.router, install=webhooks_handlers.install),
)

SERVICE_NAMES = frozenset(spec.name for spec in SERVICES)


def select_services(only: set[str] | None) -> list[ServiceSpec]:
    """Return the services to serve; auth always comes along so tokens work."""
    if not only:
        return list(SERVICES)
    unknown = only - SERVICE_NAMES
    if unknown:
        raise ValueError(f"unknown service(s): {', '.join(sorted(unknown))}")
    return [spec for spec in SERVICES if spec.name in only or spec.name == "auth"]
