"""Sharing workflow: share requests, build requests, match reports, decisions; append-only audit.

Revision ID: 0002_sharing_workflow
Revises: 0001_registry_core
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry, alembic_helpers  # noqa: F401  (registers the geo operations)

revision = "0002_sharing_workflow"
down_revision = "0001_registry_core"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)

# The audit log is evidence: no code path may rewrite it, so the database refuses too.
_PG_AUDIT_GUARD = [
    """
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
    """,
]
_PG_AUDIT_UNGUARD = [
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
]
_SQLITE_AUDIT_GUARD = [
    f"""
    CREATE TRIGGER audit_log_no_{op_name.lower()} BEFORE {op_name} ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {op_name} is not allowed'); END
    """
    for op_name in ("UPDATE", "DELETE")
]
_SQLITE_AUDIT_UNGUARD = [
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
]


def _org_fk(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey("organisation.id"), nullable=nullable)


def _fk(name: str, target: str, ondelete: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)


def _create_build_request() -> None:
    op.create_geospatial_table(
        "build_request",
        sa.Column("id", sa.Integer, primary_key=True),
        _org_fk("requester_id"),
        _org_fk("approver_org_id", nullable=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("geom", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
        sa.Column("needs", sa.JSON, nullable=False),
        sa.Column("radius_m", sa.Float),
        sa.Column("corridor_m", sa.Float),
        sa.Column("min_height_m", sa.Float),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("wanted_date", sa.Date),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("paused_at", _TS),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("decided_at", _TS),
    )
    op.create_index("ix_build_request_requester_id", "build_request", ["requester_id"])
    op.create_index("ix_build_request_approver_org_id", "build_request", ["approver_org_id"])
    op.create_index("ix_build_request_state_created", "build_request", ["state", "created_at"])


def _create_match_report() -> None:
    op.create_table(
        "match_report",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("build_request_id", "build_request.id", "CASCADE", nullable=False),
        sa.Column("registry_seq", sa.BigInteger, nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_match_report_build_request_id", "match_report", ["build_request_id"])


def _create_share_request() -> None:
    op.create_table(
        "share_request",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("asset_id", "asset.id", "CASCADE", nullable=False),
        sa.Column("resource", sa.String(20), nullable=False),
        _org_fk("requester_id"),
        _org_fk("owner_id"),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("units", sa.JSON),
        sa.Column("count", sa.Integer),
        sa.Column("min_height_m", sa.Float),
        sa.Column("purpose", sa.Text, nullable=False),
        _fk("allocation_id", "allocation.id", "SET NULL"),
        _fk("swap_asset_id", "asset.id", "CASCADE"),
        _fk("swap_allocation_id", "allocation.id", "SET NULL"),
        sa.Column("sharing_mode", sa.String(40)),
        sa.Column("agreement_ref", sa.String(200)),
        sa.Column("reason_code", sa.String(40)),
        sa.Column("reason", sa.Text),
        _fk("build_request_id", "build_request.id", "SET NULL"),
        sa.Column("hold_expires_at", _TS, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("answered_at", _TS),
    )
    for column in ("asset_id", "requester_id", "owner_id", "build_request_id"):
        op.create_index(f"ix_share_request_{column}", "share_request", [column])
    op.create_index("ix_share_request_state_due", "share_request", ["state", "due_at"])


def _create_decision() -> None:
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("build_request_id", "build_request.id", "CASCADE", nullable=False),
        sa.Column("decision", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        _org_fk("actor_org_id", nullable=True),
        sa.Column("reason", sa.Text),
        sa.Column("justification", sa.Text),
        _fk("match_report_id", "match_report.id", "SET NULL"),
        sa.Column("share_request_ids", sa.JSON, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_decision_build_request_id", "decision", ["build_request_id"])


def upgrade() -> None:
    _create_build_request()
    _create_match_report()
    _create_share_request()
    _create_decision()
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _PG_AUDIT_GUARD if postgres else _SQLITE_AUDIT_GUARD:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _PG_AUDIT_UNGUARD if postgres else _SQLITE_AUDIT_UNGUARD:
        op.execute(statement)
    op.drop_table("decision")
    op.drop_table("share_request")
    op.drop_table("match_report")
    op.drop_geospatial_table("build_request")
