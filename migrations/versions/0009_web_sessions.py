"""Web sessions: the browser's server-side sessions (hashed id, token, CSRF secret, expiry).

Revision ID: 0009_web_sessions
Revises: 0003_access_control
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_web_sessions"
down_revision = "0007_planning_together"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "token_id",
            sa.Integer,
            sa.ForeignKey("api_token.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("ended_at", _TS),
    )


def downgrade() -> None:
    op.drop_table("web_session")
