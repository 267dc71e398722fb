"""social ingest platform events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "social_ingest_events",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("platform_event_id", sa.String(length=128), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=True),
        sa.Column("user_name", sa.String(length=200), nullable=True),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_social_ingest_events")),
        sa.UniqueConstraint(
            "org_id",
            "platform",
            "platform_event_id",
            name=op.f("uq_social_ingest_events_org_id_platform_platform_event_id"),
        ),
    )
    with op.batch_alter_table("social_ingest_events", schema=None) as batch_op:
        batch_op.create_index("ix_social_ingest_events_org_ts", ["org_id", "ts"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("social_ingest_events", schema=None) as batch_op:
        batch_op.drop_index("ix_social_ingest_events_org_ts")
    op.drop_table("social_ingest_events")
