"""A static, packed R-tree over the point buckets, searched by compiled code (numba).

The point table is in Sort-Tile-Recursive order and cut into buckets of 16 (`layout`); each
bucket's box is a leaf entry. Upper levels group 16 consecutive entries, bottom up, the way
packed R-trees (flatbush, PostGIS's sorted GiST build) are bulk-loaded: STR order keeps
consecutive entries close on the ground, so the groups are tight. The whole tree is a few
numpy arrays (1 M points: 62 k leaves, ~4 k nodes, ~2 MB), is never written after the build,
and so needs no lock; a probe is one compiled call (~1-2 µs) instead of libspatialindex's
10-30 µs, and the compiled site scan (`kernels.scan_points`) walks it without leaving
machine code. Lines stay in libspatialindex (`index.RTree`): their entries change shape.
"""

from __future__ import annotations

import numpy as np
from numba import njit

NODE = 16  # children per node


class PackedTree:
    """Boxes of every level in one (n, 4) array, leaves first; `hits` answers like `RTree`."""

    def __init__(self, mins: np.ndarray, maxs: np.ndarray) -> None:
        levels = [np.hstack([mins, maxs]).astype(np.float64)]
        while len(levels[-1]) > 1:
            below = levels[-1]
            starts = np.arange(0, len(below), NODE)
            levels.append(
                np.hstack(
                    [
                        np.minimum.reduceat(below[:, :2], starts, axis=0),
                        np.maximum.reduceat(below[:, 2:], starts, axis=0),
                    ]
                )
            )
        self.boxes = np.ascontiguousarray(np.concatenate(levels))
        self.counts = np.array([len(level) for level in levels], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)
        for array in (self.boxes, self.counts, self.starts):
            array.setflags(write=False)

    def __len__(self) -> int:
        return int(self.counts[0])

    def hits(self, boxes: np.ndarray) -> np.ndarray:
        """Leaf entry numbers whose boxes meet any of `boxes` (sorted, unique)."""
        found = [tree_hits(self.boxes, self.starts, self.counts, *box) for box in boxes.tolist()]
        return found[0] if len(found) == 1 else np.unique(np.concatenate(found))


@njit(cache=True, nogil=True)
def tree_hits(boxes, starts, counts, x0, y0, x1, y1):  # pragma: no cover - compiled
    """Leaf entries meeting the box (x0, y0, x1, y1), in leaf order."""
    out = np.empty(64, dtype=np.int64)
    n = 0
    depth = len(counts)
    stack_level = np.empty(NODE * depth + 1, dtype=np.int64)
    stack_node = np.empty(NODE * depth + 1, dtype=np.int64)
    top = 0
    stack_level[0] = depth - 1
    stack_node[0] = 0
    top = 1
    while top > 0:
        top -= 1
        level, node = stack_level[top], stack_node[top]
        b = starts[level] + node
        if boxes[b, 0] > x1 or boxes[b, 2] < x0 or boxes[b, 1] > y1 or boxes[b, 3] < y0:
            continue
        if level == 0:
            if n == len(out):
                out = np.concatenate((out, np.empty(n, dtype=np.int64)))
            out[n] = node
            n += 1
            continue
        first = node * NODE
        last = min(first + NODE, counts[level - 1])
        # Pushed last-child first, so that leaves come out in ascending order.
        for child in range(last - 1, first - 1, -1):
            stack_level[top] = level - 1
            stack_node[top] = child
            top += 1
    return out[:n]
