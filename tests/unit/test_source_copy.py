"""Binary COPY rows parsed by numpy: fixed fields, refs, and framing that is refused."""

from __future__ import annotations

import numpy as np

from registry.engine import source_copy
from registry.engine.source_copy import ROW, parse_rows

NAMES = ("ids", "kind", "status", "sensitivity", "use", "owner", "lon", "lat", "height")


def _block(asset_id: int, ref: str, height: float = float("nan")) -> bytes:
    """One row as PostgreSQL's binary COPY writes it."""
    row = np.zeros(1, ROW)
    row["fields"] = len(NAMES) + 1
    for name in NAMES:
        row[f"{name}_length"] = ROW.fields[name][0].itemsize
    row["ids"], row["kind"], row["owner"] = asset_id, 2, 7
    row["lon"], row["lat"], row["height"] = 108.25 + asset_id, 22.5, height
    data = ref.encode("utf-8")
    row["ref_length"] = len(data)
    return row.tobytes() + data


def test_rows_become_columns_and_refs():
    blocks = [_block(5, "T-5", 42.0), _block(3, ""), _block(9, "塔-9")]
    rows, refs = parse_rows(blocks)
    assert rows["ids"].tolist() == [5, 3, 9] and rows["owner"].tolist() == [7, 7, 7]
    assert rows["lon"].tolist() == [113.25, 111.25, 117.25]
    assert rows["height"][0] == 42.0 and np.isnan(rows["height"][1:]).all()
    assert refs.strings(np.arange(3)) == ["T-5", "", "塔-9"]


def test_two_rows_in_one_block_or_a_cut_row_are_refused():
    one, two = _block(1, "a"), _block(2, "bc")
    assert parse_rows([one + two]) is None
    assert parse_rows([one, two[:-1]]) is None
    assert parse_rows([one[:10]]) is None


def test_chunks_become_native_columns_in_table_order():
    parsed = [parse_rows([_block(5, "five"), _block(3, "three")]), parse_rows([_block(4, "")])]
    columns = source_copy._columns(parsed)
    assert columns["ids"].tolist() == [5, 3, 4] and columns["ids"].dtype == np.int64
    assert columns["lon"].tolist() == [113.25, 111.25, 112.25]
    assert columns["refs"].strings(np.arange(3)) == ["five", "three", ""]


def test_the_header_and_trailer_are_stripped_and_checked():
    header = source_copy._HEADER + bytes(8)
    stream = [header + _block(1, "a"), _block(2, "b"), _block(3, "c"), source_copy._TRAILER]
    chunks = list(source_copy._blocks(stream))
    assert [b for chunk in chunks for b in chunk] == [_block(i, r) for i, r in
                                                       ((1, "a"), (2, "b"), (3, "c"))]  # fmt: skip
    assert list(source_copy._blocks(stream[:-1]))[-1] is None  # no trailer: cut short
    assert list(source_copy._blocks([b"not a copy"])) == [None]
