"""The eligible lines of a plan: columns copied from the index, one `PlanLine` when asked.

A 5 km plan holds ~1 000 lines and its path reuses a handful: building a Python object per
line (the planner did until 2026-11-29) was a fifth of a plan's time, so the lines stay
columns (sorted by asset id, as the graph numbers its nodes) and `lines[i]` makes the one
`PlanLine` a leg needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import NamedTuple

import numpy as np

from matching import rules
from matching.candidates import Rows


class PlanLine(NamedTuple):
    """An eligible line asset as the planner sees it (coords: (n, 2) lon/lat)."""

    asset_id: int
    owner_id: int
    owner_name: str
    owner_sector: str
    kind: str
    sensitivity: str
    ref: str | Callable[[], str]  # owner_ref, or how to read it (most lines never need it)
    coords: np.ndarray

    @property
    def owner_ref(self) -> str:
        return self.ref if isinstance(self.ref, str) else self.ref()


class PlanLines:
    """Rows of the index (`order`: which, sorted by asset id) and their vertices, packed, with
    their ECEF coordinates when the pull computed them (`xyz`, else None)."""

    def __init__(self, rows: Rows | None, order: np.ndarray, offsets: np.ndarray, values, xyz=None):
        self._rows, self._order = rows, order
        self.offsets = offsets
        self.values = np.asarray(values, dtype=np.float64).reshape(-1, 2)
        self.xyz = xyz
        self.asset_id = rows.asset_id[order] if rows is not None else np.empty(0, np.int64)
        self.kind = rows.kind[order] if rows is not None else np.empty(0, np.int8)
        self.sector = rows.sector[order] if rows is not None else np.empty(0, np.int8)

    @classmethod
    def empty(cls) -> PlanLines:
        return cls(None, np.empty(0, np.int64), np.zeros(1, np.int64), np.empty((0, 2)))

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, i: int) -> PlanLine:
        rows, k = self._rows, int(self._order[i])
        return PlanLine(
            int(rows.asset_id[k]),
            int(rows.owner_id[k]),
            rows.owner_name[k],
            rules.SECTORS[rows.sector[k]],
            rules.KINDS[rows.kind[k]],
            rules.SENSITIVITIES[rows.sensitivity[k]],
            partial(rows.owner_ref, k),
            self.values[self.offsets[i] : self.offsets[i + 1]],
        )

    def __iter__(self) -> Iterator[PlanLine]:
        return (self[i] for i in range(len(self)))
