"""Barriers: rail lines and major roads that new trench pays to cross (public, not assets).

Revision ID: 0010_barriers
Revises: 0009_web_sessions
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry, alembic_helpers  # noqa: F401  (registers the geo operations)

revision = "0010_barriers"
down_revision = "0009_web_sessions"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_geospatial_table(
        "barrier",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("ref", sa.String(100)),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column(
            "geom",
            Geometry("LINESTRING", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.UniqueConstraint("source", "source_id", name="uq_barrier_source_id"),
    )
    op.create_geospatial_index(
        "idx_barrier_geom", "barrier", ["geom"], postgresql_using="gist", postgresql_ops={}
    )
    op.create_index("ix_barrier_updated_at", "barrier", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_barrier_updated_at", "barrier")
    op.drop_geospatial_index("idx_barrier_geom", "barrier", column_name="geom")
    op.drop_geospatial_table("barrier")
