"""PostgreSQL only: point assets read into numpy without a row in Python.

Binary COPY was tried first: psycopg hands out one message per row, ~10 µs each, which is
the per-row cost this module exists to avoid. Instead the server packs each column of a run
of ~1 M ids into one bytea (`string_agg` of the value's binary send form: vocabulary codes
computed in SQL, NaN for an unknown height), and numpy reads each bytea as one big-endian
array. Owner refs come as their byte lengths plus one UTF-8 blob. It runs in the caller's
transaction (one snapshot with the rest of the load). Measured: bench/startup_load_bench.py.
"""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from matching import rules
from matching.ragged import Ragged

_CHUNK_BITS = 20  # rows per aggregated chunk: ids in runs of 2**20 (~1 M)
_POINT = "ST_GeometryType(geom) = 'ST_Point' AND kind = ANY(%(points)s)"


def _code(column: str, words: list[str], none: bool = False) -> str:
    """SQL giving the 0-based position of `column` in `words`, -1 if absent (0 for NULL
    when the vocabulary's first entry is None)."""
    array = "ARRAY[" + ",".join(f"'{w}'" for w in words) + "]::text[]"
    found = f"coalesce(array_position({array}, {column}) - 1, -1)"
    if none:
        position = f"coalesce(array_position({array}, {column}), -1)"
        found = f"CASE WHEN {column} IS NULL THEN 0 ELSE {position} END"
    return f"({found})::int2"


def _query() -> str:
    """One row per run of 2**20 ids: every column packed into one bytea by string_agg of
    its binary send form (big-endian), owner refs as lengths plus one UTF-8 blob."""
    vocabularies = (("kind", rules.KINDS), ("status", rules.STATUSES))
    vocabularies += (("sensitivity", rules.SENSITIVITIES),)
    words = {name: [str(v) for v in vocab] for name, vocab in vocabularies}
    use = _code("(attributes::jsonb ->> 'use')", [str(u) for u in rules.USES[1:]], none=True)
    columns = [
        "int8send(id::int8)",
        *(f"int2send({_code(name, words[name])})" for name in ("kind", "status", "sensitivity")),
        f"int2send({use})",
        "int8send(owner_id::int8)",
        "float8send(ST_X(geom))",
        "float8send(ST_Y(geom))",
        "float8send(coalesce((attributes::jsonb ->> 'height_m')::float8, 'NaN'::float8))",
        "int4send(octet_length(owner_ref))",
        "convert_to(owner_ref, 'UTF8')",
    ]
    packed = ", ".join(f"string_agg({c}, ''::bytea ORDER BY id)" for c in columns)
    return (
        f"SELECT id >> {_CHUNK_BITS} AS run, {packed} FROM asset WHERE {_POINT} "
        "GROUP BY run ORDER BY run"
    )


def _literal(sql: str, kinds: list[str]) -> str:
    return sql.replace("%(points)s", "ARRAY[" + ",".join(f"'{k}'" for k in kinds) + "]::text[]")


_NAMES = ("ids", "kind", "status", "sensitivity", "use", "owner", "lon", "lat", "height")
_TYPES = (">i8", ">i2", ">i2", ">i2", ">i2", ">i8", ">f8", ">f8", ">f8")


def read_points(session: Session) -> tuple[dict, int]:
    """(columns ids, kind, status, sensitivity, use, owner, lon, lat, height, refs of every
    point asset with a point geometry, by id; how many rows): a handful of result rows."""
    kinds = [str(k) for k in rules.POINT_KINDS]
    parts = {name: [] for name in (*_NAMES, "ref_lengths", "ref_bytes")}
    for row in session.execute(sa.text(_literal(_query(), kinds))):
        for name, kind, blob in zip(_NAMES, _TYPES, row[1:10], strict=True):
            parts[name].append(np.frombuffer(blob, dtype=kind).astype(kind.replace(">", "=")))
        parts["ref_lengths"].append(np.frombuffer(row[10], dtype=">i4").astype(np.int64))
        parts["ref_bytes"].append(np.frombuffer(row[11] or b"", dtype=np.uint8))
    if not parts["ids"]:
        empty = {
            name: np.zeros(0, kind.replace(">", "="))
            for name, kind in zip(_NAMES, _TYPES, strict=True)
        }
        empty["refs"] = Ragged.from_lengths(np.zeros(0, np.int64), np.zeros(0, np.uint8))
        return empty, 0
    columns = {name: np.concatenate(parts[name]) for name in _NAMES}
    columns["refs"] = Ragged.from_lengths(
        np.concatenate(parts["ref_lengths"]), np.concatenate(parts["ref_bytes"]).copy()
    )
    return columns, len(columns["ids"])
