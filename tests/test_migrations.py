"""The migration history builds exactly the schema the models declare, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from wavestack.kernel.db import Database
from wavestack.migrations.metadata import include_object, target_metadata
from wavestack.migrations.runner import alembic_config, current_revision, upgrade


def test_models_match_migrations(settings: Any) -> None:
    db = Database(settings.resolved_database_url)
    try:
        upgrade(db.engine)  # already migrated by the fixture: running again changes nothing
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            )
            diff = compare_metadata(context, target_metadata)
        assert diff == []
        head = ScriptDirectory.from_config(alembic_config(db.engine)).get_current_head()
        assert current_revision(db.engine) == head
    finally:
        db.dispose()


def test_history_is_linear(settings: Any) -> None:
    db = Database(settings.resolved_database_url)
    try:
        script = ScriptDirectory.from_config(alembic_config(db.engine))
        assert len(script.get_heads()) == 1
    finally:
        db.dispose()
