"""queue items: more assets after the first (carousels), per-platform options, and text
posts without an asset

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("content_queue_items") as batch:
        batch.add_column(
            sa.Column("extra_asset_ids", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
        batch.add_column(
            sa.Column("options", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )
        batch.alter_column("asset_id", existing_type=sa.String(36), nullable=True)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("content_queue_items") as batch:
        batch.alter_column("asset_id", existing_type=sa.String(36), nullable=False)
        batch.drop_column("options")
        batch.drop_column("extra_asset_ids")
