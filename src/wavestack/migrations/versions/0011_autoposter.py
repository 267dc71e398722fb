"""autoposter: drafts waiting for a person's decision, and each organization's cadence

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "autoposter_drafts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queue_item_id", sa.String(length=36), nullable=True),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_autoposter_drafts")),
    )
    op.create_index(
        "ix_autoposter_drafts_org_status",
        "autoposter_drafts",
        ["org_id", "status", "created_at"],
        unique=False,
    )
    op.create_table(
        "autoposter_cadence",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_autoposter_cadence")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("autoposter_cadence")
    op.drop_index("ix_autoposter_drafts_org_status", table_name="autoposter_drafts")
    op.drop_table("autoposter_drafts")
