"""core schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "auth_organizations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("plan", sa.String(length=16), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_organizations")),
        sa.UniqueConstraint("slug", name=op.f("uq_auth_organizations_slug")),
    )
    op.create_table(
        "cms_projects",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cms_projects")),
    )
    with op.batch_alter_table("cms_projects", schema=None) as batch_op:
        batch_op.create_index("ix_cms_projects_org_created", ["org_id", "created_at"], unique=False)

    op.create_table(
        "content_queue_items",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("asset_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        sa.Column("platforms", sa.JSON(), nullable=False),
        sa.Column("schedule_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_queue_items")),
        sa.UniqueConstraint(
            "org_id", "idempotency_key", name=op.f("uq_content_queue_items_org_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("content_queue_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_content_queue_items_org_created", ["org_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_content_queue_items_status_schedule", ["status", "schedule_at"], unique=False
        )

    op.create_table(
        "kernel_outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("eta", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=36), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kernel_outbox")),
    )
    with op.batch_alter_table("kernel_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kernel_outbox_dispatched_at"), ["dispatched_at"], unique=False
        )

    op.create_table(
        "publishing_posts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("queue_item_id", sa.String(length=36), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publishing_posts")),
        sa.UniqueConstraint(
            "queue_item_id", "platform", name=op.f("uq_publishing_posts_queue_item_id_platform")
        ),
    )
    with op.batch_alter_table("publishing_posts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_publishing_posts_org_published", ["org_id", "published_at"], unique=False
        )

    op.create_table(
        "webhooks_endpoints",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks_endpoints")),
    )
    with op.batch_alter_table("webhooks_endpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhooks_endpoints_org_id"), ["org_id"], unique=False)

    op.create_table(
        "auth_api_clients",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["auth_organizations.id"],
            name=op.f("fk_auth_api_clients_org_id_auth_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_api_clients")),
    )
    with op.batch_alter_table("auth_api_clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_api_clients_org_id"), ["org_id"], unique=False)

    op.create_table(
        "cms_assets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("mime_type", sa.String(length=127), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("storage_type", sa.String(length=8), nullable=False),
        sa.Column("storage_path", sa.String(length=512), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("start_time", sa.Float(), nullable=True),
        sa.Column("end_time", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["cms_projects.id"],
            name=op.f("fk_cms_assets_project_id_cms_projects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cms_assets")),
    )
    with op.batch_alter_table("cms_assets", schema=None) as batch_op:
        batch_op.create_index("ix_cms_assets_org_created", ["org_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cms_assets_project_id"), ["project_id"], unique=False)

    op.create_table(
        "webhooks_deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("webhook_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks_endpoints.id"],
            name=op.f("fk_webhooks_deliveries_webhook_id_webhooks_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks_deliveries")),
        sa.UniqueConstraint(
            "webhook_id", "event_id", name=op.f("uq_webhooks_deliveries_webhook_id_event_id")
        ),
    )
    with op.batch_alter_table("webhooks_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhooks_deliveries_webhook_created", ["webhook_id", "created_at"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("webhooks_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhooks_deliveries_webhook_created")

    op.drop_table("webhooks_deliveries")
    with op.batch_alter_table("cms_assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cms_assets_project_id"))
        batch_op.drop_index("ix_cms_assets_org_created")

    op.drop_table("cms_assets")
    with op.batch_alter_table("auth_api_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_api_clients_org_id"))

    op.drop_table("auth_api_clients")
    with op.batch_alter_table("webhooks_endpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhooks_endpoints_org_id"))

    op.drop_table("webhooks_endpoints")
    with op.batch_alter_table("publishing_posts", schema=None) as batch_op:
        batch_op.drop_index("ix_publishing_posts_org_published")

    op.drop_table("publishing_posts")
    with op.batch_alter_table("kernel_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kernel_outbox_dispatched_at"))

    op.drop_table("kernel_outbox")
    with op.batch_alter_table("content_queue_items", schema=None) as batch_op:
        batch_op.drop_index("ix_content_queue_items_status_schedule")
        batch_op.drop_index("ix_content_queue_items_org_created")

    op.drop_table("content_queue_items")
    with op.batch_alter_table("cms_projects", schema=None) as batch_op:
        batch_op.drop_index("ix_cms_projects_org_created")

    op.drop_table("cms_projects")
    op.drop_table("auth_organizations")
