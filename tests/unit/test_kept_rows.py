"""page_rows keeps one AssetRow per content read: a row read again with every column equal
is the kept one; any column that differs (an owner renamed, the geometry moved, the same
id and times in another database) makes another, never the stale one."""

from __future__ import annotations

import datetime as dt

import shapely

from registry.inventory import page_rows

T = dt.datetime(2026, 11, 30, 6, 50, 1, 123456)
POINT = shapely.to_wkb(shapely.Point(108.3, 22.8))
MOVED = shapely.to_wkb(shapely.Point(108.3, 22.9))


def _row(name="China Mobile", geometry=POINT, attributes='{"height_m": 30}', updated=T):
    asset = (7, "tower", 3, name, "telecom", "T-7", "in_service", "public", attributes)
    capacity = ("antenna_mount", 4, None, 1)
    return (*asset, T, updated, geometry, *capacity)


def _one(row):
    return page_rows.asset_rows([(row, [])])[0]


def test_the_same_content_is_the_same_row_and_another_is_another(monkeypatch):
    monkeypatch.setattr(page_rows, "_ROWS", {})
    first = _one(_row())
    assert _one(_row()) is first and page_rows.kept_rows([(_row(), [])]) == [first]
    renamed = _one(_row(name="China Mobile Guangxi"))  # same id and times, owner renamed
    assert renamed is not first and renamed.owner.name == "China Mobile Guangxi"
    assert page_rows.kept_rows([(_row(), [])]) == [None]  # the old content is no longer kept
    moved = _one(_row(geometry=MOVED))
    assert moved.geom.equals(shapely.Point(108.3, 22.9))
    other = _one(_row(attributes='{"height_m": 31}'))
    assert other.attributes["height_m"] == 31
    later = _one(_row(updated=T + dt.timedelta(microseconds=1)))
    assert later.updated_at == (T + dt.timedelta(microseconds=1)).replace(tzinfo=dt.UTC)
    assert _one(_row(updated=T + dt.timedelta(microseconds=1))) is later


def test_a_memoryview_geometry_reads_as_its_bytes(monkeypatch):
    monkeypatch.setattr(page_rows, "_ROWS", {})
    first = _one(_row())
    assert _one(_row(geometry=memoryview(POINT))) is first


def test_grouped_kept_finds_the_kept_rows_as_it_groups(monkeypatch):
    monkeypatch.setattr(page_rows, "_ROWS", {})
    first = _one(_row())
    two_capacities = [_row(), (*_row()[:-4], "cable_slot", 2, "[3.5, 7]", 0)]
    other = (8, *_row()[1:])  # another asset, never read as an AssetRow
    renamed = (9, *_row(name="China Mobile Guangxi")[1:])
    page_rows.asset_rows([(renamed, [])])
    entries, kept = page_rows.grouped_kept([*two_capacities, other])
    assert list(entries) == [7, 8]
    assert [c.resource for c in entries[7][1]] == ["antenna_mount", "cable_slot"]
    assert entries[7][1][1].heights == (3.5, 7)
    for _ in range(2):  # JSON null, parsed once and then found kept: no heights either way
        nulls, _ = page_rows.grouped_kept([(*_row()[:-4], "antenna_mount", 4, "null", 1)])
        assert nulls[7][1][0].heights is None
    assert kept == [first, None]  # asset 7's first row is the kept content; 8 is not kept
    assert kept == page_rows.kept_rows(list(entries.values()))
    _, kept = page_rows.grouped_kept([(9, *_row(name="China Mobile")[1:])])
    assert kept == [None]  # 9 is kept under its owner's new name only


def test_one_id_read_from_two_databases_in_turn_is_each_time_what_was_read(monkeypatch):
    """Kept under the id alone: another content of the same id replaces it, never serves."""
    monkeypatch.setattr(page_rows, "_ROWS", {})
    here, there = _row(), _row(name="Other DB", updated=T + dt.timedelta(seconds=1))
    for row, name in [(here, "China Mobile"), (there, "Other DB"), (here, "China Mobile")]:
        entries, kept = page_rows.grouped_kept([row])
        made = page_rows.asset_rows(list(entries.values()), kept)[0]
        assert kept == [None] and made.owner.name == name  # a miss each time: made afresh
    assert page_rows.grouped_kept([here])[1] == [made]  # and then kept
