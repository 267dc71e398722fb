"""queue deliveries: publishing's progress per platform on each queue item

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("content_queue_items") as batch:
        batch.add_column(
            sa.Column("deliveries", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("content_queue_items") as batch:
        batch.drop_column("deliveries")
