"""Import every model module so the shared metadata holds the whole schema."""

from __future__ import annotations

from wavestack.kernel import outbox  # noqa: F401
from wavestack.kernel.db import Base
from wavestack.services.auth import models as auth_models  # noqa: F401
from wavestack.services.auto_mod import models as auto_mod_models  # noqa: F401
from wavestack.services.autoposter import models as autoposter_models  # noqa: F401
from wavestack.services.bots import models as bots_models  # noqa: F401
from wavestack.services.clipper import models as clipper_models  # noqa: F401
from wavestack.services.cms import models as cms_models  # noqa: F401
from wavestack.services.connections import models as connections_models  # noqa: F401
from wavestack.services.content_queue import models as queue_models  # noqa: F401
from wavestack.services.llm_gateway import models as llm_gateway_models  # noqa: F401
from wavestack.services.personality import models as personality_models  # noqa: F401
from wavestack.services.publishing import models as publishing_models  # noqa: F401
from wavestack.services.social_ingest import models as social_ingest_models  # noqa: F401
from wavestack.services.webhooks import models as webhooks_models  # noqa: F401

target_metadata = Base.metadata

# Made by migrations for full-text search, not by models: schema comparisons leave them out.
_SEARCH_TABLES = "social_ingest_messages_fts"


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Tell Alembic's comparison which objects the models own."""
    if type_ == "table":
        return not (name or "").startswith(_SEARCH_TABLES)
    if type_ == "column":
        table = getattr(getattr(obj, "table", None), "name", None)
        return not (name == "search" and table == "social_ingest_messages")
    return not (type_ == "index" and name == "ix_social_ingest_messages_search")
