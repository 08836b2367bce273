"""A near list measures masked rows on their snapped geometry; a kept row keeps it per grid."""

from __future__ import annotations

import shapely

from registry.access.visibility import snap
from registry.inventory.near import _shown
from registry.inventory.page_rows import AssetRow, Owner

POINT = shapely.Point(108.3754843, 22.767382)
LINE = shapely.LineString([(108.1, 22.7), (108.2000001, 22.8)])


def _row(geom) -> AssetRow:
    owner = Owner("Owner 0", "telecom")
    return AssetRow(1, "tower", 2, owner, "T-1", "in_service", "restricted", None, None, None, geom)


def test_masked_rows_are_shown_snapped_to_the_grid_asked_for_others_as_they_are():
    kept, in_full = _row(POINT), _row(LINE)
    for grid in (100.0, 250.0, 100.0):
        shown = _shown([(kept, True), (in_full, False), (shapely.to_wkb(LINE), True)], grid)
        assert shown[0][1] and shown[0][0].equals_exact(snap(POINT, grid), 0)
        assert shown[1] == (LINE, False)
        assert shown[2][1] and shown[2][0].equals_exact(snap(LINE, grid), 0)
    assert in_full.snapped is None  # shown in full: nothing to keep


def test_a_kept_row_is_snapped_once_per_grid():
    kept = _row(POINT)
    first = _shown([(kept, True)], 100.0)[0][0]
    assert _shown([(kept, True)], 100.0)[0][0] is first
    assert _shown([(kept, True)], 250.0)[0][0] is not first
