"""The eligible lines of a plan: columns copied from the index, one `PlanLine` when asked.

A 5 km plan holds ~1 000 lines and its path reuses a handful: building a Python object per
line (the planner did until 2026-11-29) was a fifth of a plan's time, so the lines stay
columns (sorted by asset id, as the graph numbers its nodes) and `lines[i]` makes the one
`PlanLine` a leg needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import numpy as np

from matching import rules
from matching.ragged import RaggedChain, RaggedView


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


@dataclass(frozen=True)
class LineRows:
    """The columns of the pulled lines a plan reads, copied out under the index lock.

    `AssetTable.rows` copied 17 columns and built a tuple of owner names, one per line (a
    5 km plan keeps ~500-3 000 lines; its legs read a handful); here five columns, the names
    of the distinct owners, and the owner refs by reference (a Ragged is never written in
    place, so a view stays as it was)."""

    asset_id: np.ndarray
    owner_id: np.ndarray
    kind: np.ndarray
    sector: np.ndarray
    sensitivity: np.ndarray
    owner_names: dict[int, str]
    refs: RaggedView | RaggedChain

    @classmethod
    def of(cls, table, slots: np.ndarray, owners: dict[int, str]) -> LineRows:
        owner = table.owner[slots].astype(np.int64)
        ragged = slots if table.ragged_row is None else table.ragged_row[slots]
        return cls(
            table.ids[slots], owner, table.kind[slots], table.sector[slots],
            table.sensitivity[slots], {o: owners.get(o) for o in sorted(set(owner.tolist()))},
            RaggedView.of(table.refs, ragged),
        )  # fmt: skip

    @staticmethod
    def concat(parts: list[LineRows]) -> LineRows:
        """The base and the delta table's rows as one."""
        columns = [np.concatenate([getattr(p, f) for p in parts]) for f in _COLUMNS]
        names = {k: v for p in parts for k, v in p.owner_names.items()}
        return LineRows(*columns, names, RaggedChain([p.refs for p in parts]))

    def __len__(self) -> int:
        return len(self.asset_id)

    def owner_ref(self, k: int) -> str:
        return self.refs.get_str(k)


_COLUMNS = ("asset_id", "owner_id", "kind", "sector", "sensitivity")


class PlanLines:
    """Rows of the index (`order`: which, sorted by asset id) and their vertices, packed, with
    their ECEF coordinates when the pull computed them (`xyz`, else None)."""

    def __init__(
        self, rows: LineRows | None, order: np.ndarray, offsets: np.ndarray, values, xyz=None
    ):
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
            rows.owner_names[int(rows.owner_id[k])],
            rules.SECTORS[rows.sector[k]],
            rules.KINDS[rows.kind[k]],
            rules.SENSITIVITIES[rows.sensitivity[k]],
            partial(rows.owner_ref, k),
            self.values[self.offsets[i] : self.offsets[i + 1]],
        )

    def __iter__(self) -> Iterator[PlanLine]:
        return (self[i] for i in range(len(self)))
