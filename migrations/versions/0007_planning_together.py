"""Planning together: co-build groups and members, events, webhooks and their deliveries.

Revision ID: 0007_planning_together
Revises: 0003_access_control
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_planning_together"
down_revision = "0003_access_control"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _id():
    return sa.Column("id", sa.Integer, primary_key=True)


def upgrade() -> None:
    op.create_table(
        "co_build_group",
        _id(),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("shared_m", sa.Float),
        sa.Column(
            "builder_request_id",
            sa.Integer,
            sa.ForeignKey("build_request.id", ondelete="SET NULL"),
        ),
        sa.Column("planned_asset_id", sa.Integer, sa.ForeignKey("asset.id", ondelete="SET NULL")),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("decided_at", _TS),
    )
    op.create_index("ix_co_build_group_state", "co_build_group", ["state"])
    op.create_table(
        "co_build_member",
        _id(),
        sa.Column(
            "group_id",
            sa.Integer,
            sa.ForeignKey("co_build_group.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "build_request_id",
            sa.Integer,
            sa.ForeignKey("build_request.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("allocation_id", sa.Integer, sa.ForeignKey("allocation.id", ondelete="SET NULL")),
        sa.Column("joined_at", _TS, nullable=False),
    )
    op.create_index("ix_co_build_member_group_id", "co_build_member", ["group_id"])
    op.create_table(
        "event",
        _id(),
        sa.Column(
            "org_id",
            sa.Integer,
            sa.ForeignKey("organisation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("read_at", _TS),
        sa.UniqueConstraint("org_id", "key", name="uq_event_org_key"),
    )
    op.create_index("ix_event_org_read", "event", ["org_id", "read_at"])
    op.create_table(
        "notify_cursor",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "webhook",
        _id(),
        sa.Column(
            "org_id",
            sa.Integer,
            sa.ForeignKey("organisation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("disabled_at", _TS),
    )
    op.create_index("ix_webhook_org_id", "webhook", ["org_id"])
    op.create_table(
        "webhook_delivery",
        _id(),
        sa.Column(
            "webhook_id",
            sa.Integer,
            sa.ForeignKey("webhook.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "event_id", sa.Integer, sa.ForeignKey("event.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.String(500)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("delivered_at", _TS),
        sa.UniqueConstraint("webhook_id", "event_id", name="uq_delivery_webhook_event"),
    )
    op.create_index("ix_delivery_state_next", "webhook_delivery", ["state", "next_attempt_at"])


def downgrade() -> None:
    for table in (
        "webhook_delivery",
        "webhook",
        "notify_cursor",
        "event",
        "co_build_member",
        "co_build_group",
    ):
        op.drop_table(table)
