"""clip jobs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "clipper_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("start_sec", sa.Float(), nullable=False),
        sa.Column("duration_sec", sa.Float(), nullable=False),
        sa.Column("out_ext", sa.String(length=8), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("aspect", sa.String(length=8), nullable=False),
        sa.Column("fit", sa.String(length=8), nullable=False),
        sa.Column("captions", sa.Text(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("mode_used", sa.String(length=8), nullable=True),
        sa.Column("result_start", sa.Float(), nullable=True),
        sa.Column("result_duration", sa.Float(), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("asset_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clipper_jobs")),
    )
    with op.batch_alter_table("clipper_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_clipper_jobs_org_created", ["org_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_clipper_jobs_status_updated", ["status", "updated_at"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("clipper_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_clipper_jobs_status_updated")
        batch_op.drop_index("ix_clipper_jobs_org_created")
    op.drop_table("clipper_jobs")
