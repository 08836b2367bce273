"""Access control: organisation roles, users, hashed API tokens, access grants.

Revision ID: 0003_access_control
Revises: 0002_sharing_workflow
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_access_control"
down_revision = "0002_sharing_workflow"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "organisation_role",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "org_id",
            sa.Integer,
            sa.ForeignKey("organisation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("jurisdiction", sa.JSON),
        sa.UniqueConstraint("org_id", "role", name="uq_organisation_role"),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "org_id",
            sa.Integer,
            sa.ForeignKey("organisation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("org_id", "name", name="uq_user_org_name"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_used_at", _TS),
    )
    op.create_index("ix_api_token_prefix", "api_token", ["prefix"])
    op.create_table(
        "access_grant",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("grantor_org_id", sa.Integer, sa.ForeignKey("organisation.id")),
        sa.Column("grantee_org_id", sa.Integer, sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("area", sa.JSON, nullable=False),
        sa.Column("kinds", sa.JSON),
        sa.Column("valid_from", _TS, nullable=False),
        sa.Column("valid_until", _TS, nullable=False),
        sa.Column("revoked_at", _TS),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_access_grant_grantee_org_id", "access_grant", ["grantee_org_id"])


def downgrade() -> None:
    op.drop_table("access_grant")
    op.drop_table("api_token")
    op.drop_table("app_user")
    op.drop_table("organisation_role")
