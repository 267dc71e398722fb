"""posting slots: weekly times per organization and platform, in the creator's time zone

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "content_queue_slots",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_queue_slots")),
        sa.UniqueConstraint(
            "org_id",
            "platform",
            "weekday",
            "minute",
            name=op.f("uq_content_queue_slots_org_id_platform_weekday_minute"),
        ),
    )
    op.create_index(
        op.f("ix_content_queue_slots_org_id"), "content_queue_slots", ["org_id"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_content_queue_slots_org_id"), table_name="content_queue_slots")
    op.drop_table("content_queue_slots")
