"""The registry as the matching engine's AssetSource: plain records and the change feed."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence

import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from matching.records import AssetRecord, Capacity
from registry.access.token_feed import TOKEN_ENTITY, newest_seq
from registry.db.backup import RESTORE_ENTITY
from registry.db.engine import WRITE_OPTION, read_only
from registry.engine.source_columns import read_tables
from registry.inventory.capacity import held_units_query
from registry.inventory.models import Asset, Change, Organisation
from registry.inventory.models import Capacity as CapacityRow
from registry.inventory.queries import registry_seq

CHUNK = 20_000


def _asset_rows(session: Session, ids: Sequence[int] | None):
    stmt = (
        sa.select(
            Asset.id,
            Asset.kind,
            Asset.status,
            Asset.sensitivity,
            Asset.owner_id,
            Organisation.name,
            Organisation.sector,
            Asset.owner_ref,
            sa.func.ST_AsBinary(Asset.geom),
            Asset.attributes,
        )
        .join(Organisation, Organisation.id == Asset.owner_id)
        .order_by(Asset.id)
    )
    if ids is not None:
        stmt = stmt.where(Asset.id.in_(ids))
    return session.execute(stmt.execution_options(yield_per=CHUNK))


def _capacities(session: Session, ids: Sequence[int] | None) -> dict:
    caps = defaultdict(list)
    stmt = sa.select(
        CapacityRow.asset_id, CapacityRow.resource, CapacityRow.total, CapacityRow.unit_heights
    )
    held_stmt = held_units_query()
    if ids is not None:
        stmt = stmt.where(CapacityRow.asset_id.in_(ids))
        held_stmt = held_stmt.where(held_stmt.selected_columns.asset_id.in_(ids))
    held = defaultdict(set)
    for asset_id, resource, unit, _ in session.execute(held_stmt):
        held[(asset_id, resource)].add(unit)
    for asset_id, resource, total, heights in session.execute(stmt):
        taken = held.get((asset_id, resource), set())
        free_heights = ()
        if resource == "antenna_mount":
            free_heights = tuple(
                float(heights[u - 1]) if heights and u <= len(heights) else math.nan
                for u in range(1, total + 1)
                if u not in taken
            )
        caps[asset_id].append((resource, Capacity(total, total - len(taken), free_heights)))
    return caps


def _status(status: str, attrs: dict, today: str) -> str:
    """A planned asset counts as in service from its planned date on, with its planned capacity
    (co-build: the others can be matched to what one member will build)."""
    planned = attrs.get("planned_date")
    if status == "planned" and isinstance(planned, str) and planned <= today:
        return "in_service"
    return status


def _records(session: Session, ids: Sequence[int] | None) -> Iterator[AssetRecord]:
    caps = _capacities(session, ids)
    today = dt.date.today().isoformat()
    for chunk in _asset_rows(session, ids).partitions():
        geoms = shapely.from_wkb([bytes(row[8]) for row in chunk])
        for row, geom in zip(chunk, geoms, strict=True):
            attrs = row[9] or {}
            yield AssetRecord(
                id=row[0],
                kind=row[1],
                status=_status(row[2], attrs, today),
                sensitivity=row[3],
                owner_id=row[4],
                owner_name=row[5],
                owner_sector=row[6],
                owner_ref=row[7],
                geometry=geom,
                height_m=attrs.get("height_m"),
                use=attrs.get("use"),
                capacity=dict(caps.get(row[0], ())),
            )


class SqlAssetSource:
    """Reads records and change-feed entries from the database (implements AssetSource)."""

    def __init__(self, session_factory: sessionmaker[Session]):
        self._factory = session_factory

    def _session(self, snapshot: bool = True) -> Session:
        session = self._factory()
        if not snapshot:
            # The feed's newest seq, then its entries up to that seq: no snapshot to share,
            # so no BEGIN and ROLLBACK round trips either (each statement its own).
            return read_only(session, each_statement=True)
        options = {WRITE_OPTION: False}
        if session.get_bind().dialect.name == "postgresql":
            # One snapshot for seq and records, so the index is consistent at that seq.
            options["isolation_level"] = "REPEATABLE READ"
        session.connection(execution_options=options)
        return session

    def current_seq(self) -> int:
        with self._session(snapshot=False) as session:
            return registry_seq(session)

    def snapshot(self):
        """(seq, records of every asset) read in one consistent transaction."""
        session = self._session()
        seq = registry_seq(session)

        def stream():
            try:
                yield from _records(session, None)
            finally:
                session.close()

        return seq, stream()

    def snapshot_tables(self):
        """(seq, point table, line table, owner names) as engine columns, read in one
        consistent transaction without AssetRecords (`source_columns`): the start-up load."""
        with self._session() as session:
            seq = registry_seq(session)
            points, lines, owners = read_tables(session)
        return seq, points, lines, owners

    def changes_since(self, seq: int) -> tuple[int, list[int] | None]:
        """(newest seq, ids of assets touched after `seq`), or (newest seq, None) when the
        database was restored from a backup since (registry.db.backup): rebuild.

        The newest seq comes first, in one raw read (before every index query, and nearly
        always "nothing new": a session, its transaction and the ORM's result would cost
        several times the query); the entries up to it only when there are some."""
        newest = newest_seq(self._factory.kw["bind"])
        if newest <= seq:
            return seq, []
        with self._session(snapshot=False) as session:
            stmt = sa.select(Change.asset_id, Change.entity).where(
                Change.seq > seq, Change.seq <= newest, Change.entity != TOKEN_ENTITY
            )
            rows = session.execute(stmt).all()
        if any(entity == RESTORE_ENTITY for _, entity in rows):
            return newest, None
        return newest, sorted({asset_id for asset_id, _ in rows})

    def fetch(self, ids: Sequence[int]) -> dict[int, AssetRecord]:
        """Current records of these assets; deleted ones are absent."""
        out = {}
        with self._session() as session:
            for start in range(0, len(ids), 1000):
                chunk = list(ids[start : start + 1000])
                out.update((r.id, r) for r in _records(session, chunk))
        return out
