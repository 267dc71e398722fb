"""personality memories: the embedding their vector was made with

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 16:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("personality_memories") as batch:
        batch.add_column(
            sa.Column("embedding", sa.String(length=32), nullable=False, server_default="hash512")
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("personality_memories") as batch:
        batch.drop_column("embedding")
