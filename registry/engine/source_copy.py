"""PostgreSQL only: point assets read into numpy by one binary COPY, without a row in Python.

The server sends `COPY (SELECT ...) TO STDOUT (FORMAT binary)` rows as they are scanned,
which costs it ~0.6 µs a row (packing runs of ids into bytea with `string_agg ... ORDER BY`
cost ~7 µs and most of the wall time: a sort per aggregate). Every field but the last is
fixed width (vocabulary codes computed in SQL, NaN for an unknown height), so psycopg's COPY
blocks, one per row, are joined per chunk and numpy reads the fixed part of all rows at once
through a structured dtype (`parse_rows`). Owner refs, the only variable field, come last;
each row's ref length is its block's length minus the fixed part, checked against the
length the row itself declares. Should the server ever frame rows otherwise, `read_points`
returns None and the caller reads the points through its cursor. It runs in the caller's
transaction (one snapshot with the rest of the load). Measured: bench/startup_load_bench.py.
"""

from __future__ import annotations

import logging
from itertools import islice

import numpy as np
from sqlalchemy.orm import Session

from matching import rules
from matching.ragged import Ragged

log = logging.getLogger(__name__)
CHUNK = 1 << 18  # rows joined and parsed at once: bounds the bytes held (~30 MB)
_HEADER = b"PGCOPY\n\xff\r\n\x00"
_TRAILER = b"\xff\xff"  # field count -1
_NAMES = ("ids", "kind", "status", "sensitivity", "use", "owner", "lon", "lat", "height")
_TYPES = (">i8", ">i2", ">i2", ">i2", ">i2", ">i8", ">f8", ">f8", ">f8")
# One row: field count, then each field's int32 length and value; the ref's length last.
ROW = np.dtype(
    [("fields", ">i2")]
    + [(f, t) for name, kind in zip(_NAMES, _TYPES, strict=True) for f, t in
       ((f"{name}_length", ">i4"), (name, kind))]
    + [("ref_length", ">i4")]
)  # fmt: skip


def _code(column: str, words: list[str], none: bool = False) -> str:
    """SQL giving the 0-based position of `column` in `words`, -1 if absent (0 for NULL
    when the vocabulary's first entry is None)."""
    array = _array(words)
    found = f"coalesce(array_position({array}, {column}) - 1, -1)"
    if none:
        position = f"coalesce(array_position({array}, {column}), -1)"
        found = f"CASE WHEN {column} IS NULL THEN 0 ELSE {position} END"
    return f"({found})::int2"


def _array(words) -> str:
    """A text[] literal of vocabulary words (ours: no quotes in them)."""
    return "ARRAY[" + ",".join(f"'{w}'" for w in words) + "]::text[]"


def query() -> str:
    """The COPY of every point asset with a point geometry, in the layout of `ROW`, in
    table order; no NULL but the impossible (owner_ref is NOT NULL), so widths are fixed."""
    words = {"kind": rules.KINDS, "status": rules.STATUSES, "sensitivity": rules.SENSITIVITIES}
    use = _code("(a ->> 'use')", [str(u) for u in rules.USES[1:]], none=True)
    columns = [
        "id::int8",
        *(_code(name, [str(w) for w in vocab]) for name, vocab in words.items()),
        use,
        "owner_id::int8",
        # An empty point has no X: NaN keeps the row's width (such points are never stored).
        "coalesce(ST_X(geom), 'NaN')::float8",
        "coalesce(ST_Y(geom), 'NaN')::float8",
        "coalesce((a ->> 'height_m')::float8, 'NaN'::float8)",
        "convert_to(owner_ref, 'UTF8')",
    ]
    points = _array(str(k) for k in rules.POINT_KINDS)
    return (
        f"COPY (SELECT {', '.join(columns)} FROM asset, "
        "LATERAL (SELECT attributes::jsonb AS a) AS attrs "
        f"WHERE ST_GeometryType(geom) = 'ST_Point' AND kind = ANY({points})) "
        "TO STDOUT (FORMAT binary)"
    )


def parse_rows(blocks: list) -> tuple[dict, Ragged] | None:
    """(fixed fields as native-endian columns, owner refs as UTF-8 Ragged) of COPY blocks
    holding one row each; None if any block is not exactly one well-formed row."""
    lengths = np.fromiter(map(len, blocks), dtype=np.int64, count=len(blocks))
    if not len(blocks) or lengths.min() < ROW.itemsize:
        return None if len(blocks) else (_native(np.zeros(0, ROW)), Ragged.from_strings([]))
    data = np.frombuffer(b"".join(blocks), dtype=np.uint8)
    starts = np.zeros(len(blocks), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    # Row k's fixed part is data[starts[k] : starts[k] + ROW.itemsize]: one gather of all.
    window = np.lib.stride_tricks.as_strided(
        data, shape=(len(data) - ROW.itemsize + 1, ROW.itemsize), strides=(1, 1)
    )
    rows = window[starts].view(ROW).ravel()
    ok = (rows["fields"] == len(_NAMES) + 1).all()
    ok &= (rows["ref_length"] == lengths - ROW.itemsize).all()
    for name, kind in zip(_NAMES, _TYPES, strict=True):
        ok &= (rows[f"{name}_length"] == np.dtype(kind).itemsize).all()
    if not ok:
        return None
    # The data is (fixed part, ref) pairs: keep the bytes of every second piece.
    pieces = np.full(2 * len(blocks), ROW.itemsize, dtype=np.int64)
    pieces[1::2] = lengths - ROW.itemsize
    ref = np.repeat(np.tile(np.array([False, True]), len(blocks)), pieces)
    return _native(rows), Ragged.from_lengths(pieces[1::2], data[ref])


def _native(rows: np.ndarray) -> dict:
    """The fields of ROW records as native-endian columns (the records are dropped: at
    10 M rows they would hold ~0.9 GB)."""
    return {
        name: rows[name].astype(kind.replace(">", "="))
        for name, kind in zip(_NAMES, _TYPES, strict=True)
    }


def _blocks(copy):
    """Lists of at most CHUNK row blocks, header and trailer removed; None if they are not
    where the binary COPY format puts them."""
    stream = iter(copy)
    first = bytes(next(stream, b""))
    if first[: len(_HEADER)] != _HEADER:
        yield None
        return
    skip = len(_HEADER) + 8 + int.from_bytes(first[len(_HEADER) + 4 : len(_HEADER) + 8], "big")
    pending = [first[skip:]]
    while chunk := [bytes(b) for b in islice(stream, CHUNK)]:
        yield pending + chunk[:-1]
        pending = chunk[-1:]
    yield None if pending != [_TRAILER] else []


def read_points(session: Session) -> dict | None:
    """Columns ids, kind, status, sensitivity, use, owner, lon, lat, height, refs of every
    point asset with a point geometry, in table order; None if the COPY's rows were not
    framed one per block (then nothing is read: the caller reads them another way)."""
    driver = session.connection().connection.driver_connection
    parts, ok = [], True
    with driver.cursor() as cursor, cursor.copy(query()) as copy:
        for blocks in _blocks(copy):
            parsed = None if blocks is None or not ok else parse_rows(blocks)
            ok &= parsed is not None
            if ok and len(parsed[0]["ids"]):
                parts.append(parsed)
        for _ in copy:  # a COPY left unread would leave the connection unusable
            pass
    if not ok:
        log.warning("binary COPY not framed one row per block: points read by cursor")
        return None
    return _columns(parts)


def _columns(parts: list) -> dict:
    """The parsed chunks as one set of columns, in table order."""
    if not parts:
        parts = [(_native(np.zeros(0, ROW)), Ragged.from_strings([]))]
    columns = {name: np.concatenate([p[0][name] for p in parts]) for name in _NAMES}
    columns["refs"] = Ragged.concat([p[1] for p in parts])
    return columns
