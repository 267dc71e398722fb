"""social ingest messages by author

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 07:00:00

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("social_ingest_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_social_ingest_messages_author",
            ["org_id", "platform", "author_id", "channel_id"],
            unique=False,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("social_ingest_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_social_ingest_messages_author")
