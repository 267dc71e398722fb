"""AI personality: the creator's samples, the style profile, generated content for review;
language model use per organization (the gateway)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "personality_samples",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=True),
        sa.Column("data_type", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personality_samples")),
    )
    op.create_index(
        "ix_personality_samples_org_created",
        "personality_samples",
        ["org_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "personality_profiles",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("style", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("settings", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_personality_profiles")),
    )
    op.create_table(
        "personality_memories",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("importance", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("access_count", sa.Integer(), nullable=False),
        sa.Column("last_accessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personality_memories")),
    )
    op.create_index(
        "ix_personality_memories_org_created",
        "personality_memories",
        ["org_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "personality_turns",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("conversation", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personality_turns")),
    )
    op.create_index(
        "ix_personality_turns_conversation",
        "personality_turns",
        ["org_id", "conversation", "created_at"],
        unique=False,
    )
    op.create_table(
        "personality_chat_cursor",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_personality_chat_cursor")),
    )
    op.create_table(
        "llm_usage",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "day", "provider", name=op.f("pk_llm_usage")),
    )
    op.create_table(
        "personality_generations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("content_type", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("alternatives", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("draft_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personality_generations")),
    )
    op.create_index(
        "ix_personality_generations_org_status",
        "personality_generations",
        ["org_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_personality_generations_org_status", table_name="personality_generations")
    op.drop_table("personality_generations")
    op.drop_table("llm_usage")
    op.drop_table("personality_chat_cursor")
    op.drop_index("ix_personality_turns_conversation", table_name="personality_turns")
    op.drop_table("personality_turns")
    op.drop_index("ix_personality_memories_org_created", table_name="personality_memories")
    op.drop_table("personality_memories")
    op.drop_table("personality_profiles")
    op.drop_index("ix_personality_samples_org_created", table_name="personality_samples")
    op.drop_table("personality_samples")
