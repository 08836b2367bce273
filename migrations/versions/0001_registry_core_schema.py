"""Registry core: organisations, assets with geometry, capacity, allocations, change feed, audit.

Revision ID: 0001_registry_core
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry, alembic_helpers  # noqa: F401  (registers the geo operations)

revision = "0001_registry_core"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("sector", sa.String(20), nullable=False),
        sa.Column("contact", sa.String(200)),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_geospatial_table(
        "asset",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("owner_ref", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sensitivity", sa.String(20), nullable=False),
        sa.Column(
            "geom",
            Geometry("GEOMETRY", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.UniqueConstraint("owner_id", "owner_ref", name="uq_asset_owner_ref"),
    )
    op.create_geospatial_index(
        "idx_asset_geom", "asset", ["geom"], postgresql_using="gist", postgresql_ops={}
    )
    op.create_index("ix_asset_owner_id", "asset", ["owner_id"])
    op.create_index("ix_asset_kind", "asset", ["kind"])
    op.create_table(
        "capacity",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "asset_id", sa.Integer, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("resource", sa.String(20), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("unit_heights", sa.JSON),
        sa.UniqueConstraint("asset_id", "resource", name="uq_capacity_asset_resource"),
        sa.CheckConstraint("total >= 0", name="ck_capacity_total_nonnegative"),
    )
    op.create_table(
        "allocation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "asset_id", sa.Integer, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("resource", sa.String(20), nullable=False),
        sa.Column("tenant_id", sa.Integer, sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("units", sa.JSON, nullable=False),
        sa.Column("expires_at", _TS),
        sa.Column("agreement_ref", sa.String(200)),
        sa.Column("sharing_mode", sa.String(40)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("ended_at", _TS),
    )
    op.create_index("ix_allocation_asset_resource", "allocation", ["asset_id", "resource"])
    op.create_index("ix_allocation_tenant_id", "allocation", ["tenant_id"])
    op.create_index("ix_allocation_state", "allocation", ["state"])
    op.create_table(
        "allocation_unit",
        sa.Column(
            "asset_id", sa.Integer, sa.ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("resource", sa.String(20), primary_key=True),
        sa.Column("unit", sa.Integer, primary_key=True),
        sa.Column(
            "allocation_id",
            sa.Integer,
            sa.ForeignKey("allocation.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index("ix_allocation_unit_allocation_id", "allocation_unit", ["allocation_id"])
    op.create_table(
        "change_feed",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("asset_id", sa.Integer, nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("op", sa.String(20), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_change_feed_asset_id", "change_feed", ["asset_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("request_id", sa.String(100)),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
        sa.Column("reason", sa.Text),
    )
    op.create_index("ix_audit_object", "audit_log", ["object_type", "object_id"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("change_feed")
    op.drop_table("allocation_unit")
    op.drop_table("allocation")
    op.drop_table("capacity")
    op.drop_geospatial_index("idx_asset_geom", "asset", column_name="geom")
    op.drop_geospatial_table("asset")
    op.drop_table("organisation")
