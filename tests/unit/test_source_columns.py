"""The column load's helpers that need no database."""

from __future__ import annotations

import numpy as np

from matching.ragged import Ragged
from registry.engine.source_columns import _sectors, _take_short


def test_short_refs_are_taken_as_ragged_take_takes_them():
    refs = Ragged.from_strings(["T-1", "", "塔-南宁-2", "x" * 40, "q"])
    for slots in ([4, 0, 2, 1, 3], [2, 2, 1], [], list(range(5))):
        index = np.array(slots, dtype=np.int64)
        mine, theirs = _take_short(refs, index), refs.take(index)
        np.testing.assert_array_equal(mine.offsets, theirs.offsets)
        np.testing.assert_array_equal(mine.values, theirs.values)
        assert mine.values.dtype == theirs.values.dtype == np.uint8


def test_long_refs_go_through_ragged_take():
    refs = Ragged.from_strings(["y" * 100, "z"])
    assert _take_short(refs, np.array([1, 0])).strings(np.arange(2)) == ["z", "y" * 100]


def test_each_owner_gets_its_sector_and_an_unknown_owner_minus_one():
    owners = np.array([7, 3, 9, 3, 1], dtype=np.int64)
    assert _sectors(owners, {3: 2, 7: 0, 9: 4}).tolist() == [0, 2, 4, 2, -1]
    assert _sectors(owners, {}).tolist() == [-1] * 5
