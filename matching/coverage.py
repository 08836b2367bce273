"""Interval algebra along a route and the greedy route cover (what each line covers: `linref`)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from matching import kernels_route_cover
from matching.corridor import EPS_M, Interval

__all__ = [
    "EPS_M",
    "CoverOption",
    "Interval",
    "cover_legs",
    "flat",
    "gaps",
    "greedy_cover",
    "greedy_cover_reference",
    "merge",
    "overlap",
    "subtract",
    "total",
]


def merge(intervals: Sequence[Interval]) -> list[Interval]:
    """Sorted union of intervals; ones that touch (within EPS_M) join."""
    out: list[list[float]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1] + EPS_M:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def total(intervals: Sequence[Interval]) -> float:
    return float(sum(e - s for s, e in intervals))


def subtract(base: Sequence[Interval], cut: Sequence[Interval]) -> list[Interval]:
    """Parts of `base` (merged) not in `cut` (merged), in one merge-like pass."""
    out: list[Interval] = []
    k = 0
    for s, e in base:
        while k < len(cut) and cut[k][1] <= s:
            k += 1
        pos, j = s, k
        while j < len(cut) and cut[j][0] < e:
            if cut[j][0] > pos:
                out.append((pos, cut[j][0]))
            pos = max(pos, cut[j][1])
            j += 1
        if pos < e:
            out.append((pos, e))
    return [(s, e) for s, e in out if e - s > EPS_M]


def overlap(a: Sequence[Interval], b: Sequence[Interval]) -> float:
    """Length of the intersection of two merged interval lists (two pointers)."""
    i = j = 0
    length = 0.0
    while i < len(a) and j < len(b):
        length += max(0.0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return length


def gaps(covered: Sequence[Interval], length_m: float) -> list[Interval]:
    return subtract([(0.0, length_m)], covered)


class CoverOption(NamedTuple):
    """A candidate the cover may use: its owner, its price per metre and where it runs.

    A NamedTuple rather than a frozen dataclass: a route makes one per candidate (~40), and
    a frozen dataclass costs ~1 µs each to create."""

    asset_id: int
    owner_id: int
    cost_per_m: float
    intervals: tuple[Interval, ...]


def _choose_owners(options: Sequence[CoverOption]) -> set[int]:
    """Greedy set cover by owner: take the owner adding most metres (then cheaper, lower id).

    Works on elementary pieces (the route cut at every interval end), so each round is one
    masked row sum instead of an interval walk per owner.
    """
    owners = sorted({o.owner_id for o in options})
    row = {owner: k for k, owner in enumerate(owners)}
    cheapest = dict.fromkeys(owners, np.inf)
    rows, starts, ends = [], [], []
    for o in options:
        cheapest[o.owner_id] = min(cheapest[o.owner_id], o.cost_per_m)
        rows += [row[o.owner_id]] * len(o.intervals)
        starts += [s for s, _ in o.intervals]
        ends += [e for _, e in o.intervals]
    bounds = np.unique(starts + ends)
    if len(bounds) < 2:
        return set()
    # reach[owner, piece]: the owner covers the piece. A +1/-1 mark at each interval's first
    # and past-last piece, summed along the route, sets every piece in between at once.
    size, count = len(bounds), len(owners) * len(bounds)
    base = np.array(rows, dtype=np.int64) * size
    marks = np.bincount(base + np.searchsorted(bounds, starts), minlength=count)
    marks -= np.bincount(base + np.searchsorted(bounds, ends), minlength=count)
    reach = (np.cumsum(marks.reshape(len(owners), size), axis=1) > 0)[:, :-1]
    metres = np.where(reach, np.diff(bounds), 0.0)  # what each owner covers of each piece
    uncovered = reach.any(axis=0).astype(np.float64)
    # Most metres, then cheapest, then lowest id.
    rank = [(-cheapest[owner], -owner) for owner in owners]
    chosen: set[int] = set()
    while uncovered.any():  # once all is covered every gain is zero
        # Each gain summed left to right (cumsum's order), not by a BLAS product whose order
        # depends on the build: the compiled cover sums in this order too, bit for bit.
        gains = np.round(np.cumsum(metres * uncovered, axis=1)[:, -1], 6).tolist()
        best = max(range(len(owners)), key=lambda k: (gains[k], *rank[k]))
        if gains[best] <= EPS_M:
            break
        chosen.add(owners[best])
        uncovered[reach[best]] = 0.0
    return chosen


def _sweep(entries: list, start: float, end: float, legs: list, used: set[int]) -> None:
    """Cover [start, end] left to right, each time taking the option that reaches farthest.

    `entries` are (from_m, to_m, option) of the pool's intervals, in pool order; `used`
    holds the asset ids of `legs` (kept by the caller across stretches, not rebuilt each).
    """
    entries = [entry for entry in entries if entry[1] > start and entry[0] < end]
    pos = start
    while pos < end - EPS_M:
        reach_from = pos + EPS_M
        reaching = [(opt, e) for s, e, opt in entries if s <= reach_from and e > reach_from]
        if not reaching:
            later = [s for s, _, _ in entries if s > pos and s < end]
            if not later:
                return
            pos = min(later)
            continue
        opt, reach = (
            reaching[0]
            if len(reaching) == 1
            else max(
                reaching,
                key=lambda p: (
                    round(min(p[1], end), 6),
                    p[0].asset_id in used,
                    -p[0].cost_per_m,
                    -p[0].asset_id,
                ),
            )
        )
        stop = min(reach, end)
        if legs and legs[-1][0] is opt and abs(legs[-1][2] - pos) <= EPS_M:
            legs[-1] = (opt, legs[-1][1], stop)
        else:
            legs.append((opt, pos, stop))
        used.add(opt.asset_id)
        pos = stop


def flat(intervals_of: Sequence[Sequence[Interval]]) -> tuple[np.ndarray, np.ndarray]:
    """(first, iv): the intervals of option k are the rows iv[first[k]:first[k + 1]]."""
    first = np.zeros(len(intervals_of) + 1, dtype=np.int64)
    np.cumsum([len(ivs) for ivs in intervals_of], out=first[1:])
    ends = [m for ivs in intervals_of for s, e in ivs for m in (s, e)]
    return first, np.array(ends, dtype=np.float64).reshape(-1, 2)


def cover_legs(
    asset_ids: Sequence[int],
    owner_ids: Sequence[int],
    costs: Sequence[float],
    intervals_of: Sequence[tuple[Interval, ...]],
    union: Sequence[Interval],
    flat_intervals: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[tuple[int, float, float]]:
    """`greedy_cover_reference`'s legs as (option number, from_m, to_m), from the compiled
    cover (`kernels_route_cover`), or from the reference itself where the compiled one is
    unsure of a rounding. `flat_intervals`: `flat(intervals_of)`, where the caller has it."""
    if not asset_ids or not union:
        return []  # the reference finds no piece to weigh: no legs
    first, iv = flat(intervals_of) if flat_intervals is None else flat_intervals
    legs, sure = kernels_route_cover.greedy_cover(
        np.array(asset_ids, dtype=np.int64), np.array(owner_ids, dtype=np.int64),
        np.array(costs, dtype=np.float64), first, iv,
        np.array(union, dtype=np.float64).reshape(-1, 2), EPS_M,
    )  # fmt: skip
    if sure:
        return [(int(k), s, e) for k, s, e in legs.tolist()]
    options = list(map(CoverOption, asset_ids, owner_ids, costs, intervals_of))
    number = {id(opt): k for k, opt in enumerate(options)}
    return [(number[id(opt)], s, e) for opt, s, e in greedy_cover_reference(options, union)]


def greedy_cover(
    options: Sequence[CoverOption], union: Sequence[Interval] | None = None
) -> list[tuple[CoverOption, float, float]]:
    """`greedy_cover_reference`'s legs, computed by `cover_legs`."""
    if union is None:
        union = merge([iv for opt in options for iv in opt.intervals])
    columns = [[opt[f] for opt in options] for f in range(4)]
    return [(options[k], s, e) for k, s, e in cover_legs(*columns, union)]


def greedy_cover_reference(
    options: Sequence[CoverOption], union: Sequence[Interval] | None = None
) -> list[tuple[CoverOption, float, float]]:
    """A cheap cover of everything the options cover, as (option, from_m, to_m) legs.

    Objective, in order: fewest owners (one agreement per owner), then fewest assets, then
    lowest sharing price. Exact minimisation is NP-hard (set cover), so: (1) pick owners by
    greedy set cover, most newly covered metres first; (2) within those owners' assets, sweep
    each covered stretch left to right taking the asset that reaches farthest (optimal in the
    number of pieces for interval cover), preferring an asset already used, then the
    cheaper, then the lower id. Deterministic for the same input. `union`, the merged
    intervals of all options, saves recomputing it when the caller has it.
    """
    if union is None:
        union = merge([iv for opt in options for iv in opt.intervals])
    owners = _choose_owners(options)
    pool = sorted((o for o in options if o.owner_id in owners), key=lambda o: o.asset_id)
    # Each interval lies inside one stretch of the union: sweep each stretch with its own.
    firsts = [start for start, _ in union]
    stretches: list[list] = [[] for _ in union]
    for opt in pool:
        for s, e in opt.intervals:
            stretches[bisect.bisect_right(firsts, s) - 1].append((s, e, opt))
    legs: list[tuple[CoverOption, float, float]] = []
    used: set[int] = set()
    for (start, end), entries in zip(union, stretches, strict=True):
        if entries:  # stretches only the other owners cover stay as they are
            _sweep(entries, start, end, legs, used)
    return legs
