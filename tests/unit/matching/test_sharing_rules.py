"""The compatibility table: which kinds host which resource, and in which sharing mode."""

from __future__ import annotations

import pytest

from matching import rules
from matching.ingest import ingest
from matching.memory_source import MemorySource
from matching.ragged import Ragged
from tests.unit.matching.factories import make_point


def test_site_and_route_hosts_come_from_the_table():
    assert rules.SITE_HOSTS["antenna_mount"] == {"tower", "rooftop", "pole", "indoor_system"}
    assert {
        "subduct": {"duct"},
        "fiber_core": {"fiber_cable"},
        "attachment": {"aerial_route"},
    } == rules.ROUTE_HOSTS


@pytest.mark.parametrize(
    "use, ok",
    [("lighting", True), ("telecom", True), ("power", True), ("traffic", False), (None, False)],
)
def test_poles_host_small_cells_only_for_some_uses(use, ok):
    assert rules.can_host("pole", "antenna_mount", use, "municipal") is ok


def test_every_sharing_mode_of_the_plan_is_vocabulary():
    assert {m.value for m in rules.SharingMode} == {
        "co_location",
        "same_trench_separate_duct",
        "same_pole_route_separate_cable",
        "same_cable_separate_cores",
        "core_lease",
        "core_swap",
    }


def test_sharing_mode_depends_on_kind_resource_and_owner_sector():
    assert rules.sharing_mode("duct", "subduct", "power") == "same_trench_separate_duct"
    assert (
        rules.sharing_mode("aerial_route", "attachment", "power")
        == "same_pole_route_separate_cable"
    )
    assert (
        rules.sharing_mode("fiber_cable", "fiber_core", "tower_company")
        == "same_cable_separate_cores"
    )
    assert rules.SHARING_MODE[("tower", "antenna_mount")] == "co_location"


def test_costs_can_be_overridden_per_deployment():
    costs = rules.Costs(currency="CNY", new_tower=400_000.0)
    assert costs.site_saving({"antenna_mount"}) == 400_000.0
    assert costs.route_build_per_m({"fiber_core"}) == costs.trench_per_m + costs.fiber_per_m


def test_ragged_rows_take_and_concat_with_overrides():
    ragged = Ragged.from_strings(["alpha", "", "γδ", "x"])
    ragged.set(1, Ragged.from_strings(["new"]).values)
    taken = ragged.take([3, 1, 2])
    assert [taken.get_str(i) for i in range(3)] == ["x", "new", "γδ"]
    joined = Ragged.concat([ragged, taken])
    assert [joined.get_str(i) for i in range(7)] == ["alpha", "new", "γδ", "x", "x", "new", "γδ"]


def test_a_table_locates_live_slots_by_id():
    table = ingest([make_point(5, 0, 0), make_point(3, 1, 1)], {}, line=False)
    assert table.locate([3, 5, 4]).tolist() == [1, 0, -1]
    table.alive[1] = False
    assert table.locate([3]).tolist() == [-1]


def test_the_memory_source_reports_each_touched_id_once():
    source = MemorySource([make_point(1, 0, 0)])
    seq = source.current_seq()
    source.put(make_point(2, 0, 0))
    source.put(make_point(2, 1, 1))
    source.delete(1)
    new_seq, ids = source.changes_since(seq)
    assert (new_seq, list(ids)) == (seq + 3, [1, 2])
    assert list(source.fetch([1, 2])) == [2]
    assert source.changes_since(new_seq) == (new_seq, [])
