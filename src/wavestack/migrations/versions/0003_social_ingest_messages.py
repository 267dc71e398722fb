"""social ingest messages

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "social_ingest_messages",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("platform_message_id", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("channel_name", sa.String(length=200), nullable=True),
        sa.Column("author_id", sa.String(length=128), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("author_role", sa.String(length=32), nullable=True),
        sa.Column("is_mod", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_social_ingest_messages")),
        sa.UniqueConstraint(
            "org_id",
            "platform",
            "platform_message_id",
            name=op.f("uq_social_ingest_messages_org_id_platform_platform_message_id"),
        ),
    )
    with op.batch_alter_table("social_ingest_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_social_ingest_messages_channel_ts",
            ["org_id", "platform", "channel_id", "ts"],
            unique=False,
        )
        batch_op.create_index("ix_social_ingest_messages_org_ts", ["org_id", "ts"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    else:
        for statement in POSTGRES_SEARCH:
            op.execute(statement)


# Full-text search over message text. SQLite: an FTS5 index on the table's own rows (its
# integer key is the rowid), kept in step by triggers. PostgreSQL: a generated tsvector with a
# GIN index. Both tokenise without stemming: chat mixes languages, names and emotes.
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE social_ingest_messages_fts USING fts5(text, "
    "content='social_ingest_messages', content_rowid='seq', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER social_ingest_messages_fts_insert AFTER INSERT ON social_ingest_messages "
    "BEGIN INSERT INTO social_ingest_messages_fts(rowid, text) VALUES (new.seq, new.text); END",
    "CREATE TRIGGER social_ingest_messages_fts_delete AFTER DELETE ON social_ingest_messages "
    "BEGIN INSERT INTO social_ingest_messages_fts(social_ingest_messages_fts, rowid, text) "
    "VALUES ('delete', old.seq, old.text); END",
    "CREATE TRIGGER social_ingest_messages_fts_update AFTER UPDATE OF text "
    "ON social_ingest_messages BEGIN "
    "INSERT INTO social_ingest_messages_fts(social_ingest_messages_fts, rowid, text) "
    "VALUES ('delete', old.seq, old.text); "
    "INSERT INTO social_ingest_messages_fts(rowid, text) VALUES (new.seq, new.text); END",
)
POSTGRES_SEARCH = (
    "ALTER TABLE social_ingest_messages ADD COLUMN search tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED",
    "CREATE INDEX ix_social_ingest_messages_search ON social_ingest_messages USING gin (search)",
)


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER social_ingest_messages_fts_{trigger}")
        op.execute("DROP TABLE social_ingest_messages_fts")
    with op.batch_alter_table("social_ingest_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_social_ingest_messages_org_ts")
        batch_op.drop_index("ix_social_ingest_messages_channel_ts")
    op.drop_table("social_ingest_messages")
