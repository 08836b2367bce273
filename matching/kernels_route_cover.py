"""The greedy route cover compiled (numba `@njit(cache=True)`): `coverage.greedy_cover_reference`'s
steps, on arrays, in its order.

Exactness: sums run in the reference's order (an owner's gain is the left-to-right sum of
its uncovered piece lengths, as the reference's cumulative sum makes it), rounded as
`np.round` rounds (rint(x·10⁶)/10⁶, bit for bit); comparisons see the same float64 values.
The sweep's keys use Python's `round(x, 6)`: rint(x·10⁶) is Python's integer unless the
scaled value lies next to a tie (`_round6`); there the kernel gives up (`sure` False) and
the caller runs the Python reference, so the legs are always the reference's.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from matching.kernels_route_rounding import _EXACT_BELOW

_SCALE = 1e6  # round(x, 6)
_ULP_BOUND = 2.0**-51  # twice the relative bound of a product's rounding


@njit(cache=True, nogil=True, inline="always")
def _round6(x):  # pragma: no cover - compiled
    """(Python's round(x, 6), sure): the double nearest rint(x·10⁶)/10⁶ (IEEE division is
    correctly rounded). The product x·10⁶ is off the exact one by at most half an ulp
    (≤ |x·10⁶|·2⁻⁵³), so rint picks Python's integer wherever the product is farther than
    |x·10⁶|·2⁻⁵¹ from a tie: elsewhere (a few in 10⁵ values) `sure` is False."""
    scaled = x * _SCALE
    r = np.rint(scaled)
    margin = 0.5 - abs(scaled) * _ULP_BOUND
    sure = abs(scaled) < _EXACT_BELOW and abs(scaled - r) < margin
    return r / _SCALE + 0.0, sure


@njit(cache=True, nogil=True)
def choose_owners(owner, cost, iv_first, iv, eps):  # pragma: no cover - compiled
    """`coverage._choose_owners`: per option, whether its owner is chosen."""
    n = len(owner)
    owners = np.unique(owner)
    k_of = np.searchsorted(owners, owner)
    cheapest = np.full(len(owners), np.inf)
    for o in range(n):
        cheapest[k_of[o]] = min(cheapest[k_of[o]], cost[o])
    chosen_k = np.zeros(len(owners), dtype=np.bool_)
    bounds = np.unique(iv.ravel())
    if len(bounds) < 2:
        return chosen_k[k_of]
    size = len(bounds) - 1
    marks = np.zeros((len(owners), size + 1), dtype=np.int64)
    for o in range(n):
        for j in range(iv_first[o], iv_first[o + 1]):
            marks[k_of[o], np.searchsorted(bounds, iv[j, 0])] += 1
            marks[k_of[o], np.searchsorted(bounds, iv[j, 1])] -= 1
    # The pieces each owner reaches, ascending (CSR): a gain sums only those.
    reach_first = np.zeros(len(owners) + 1, dtype=np.int64)
    reach = np.empty(len(owners) * size, dtype=np.int64)
    uncovered = np.zeros(size, dtype=np.bool_)
    m = 0
    for k in range(len(owners)):
        run = 0
        for p in range(size):
            run += marks[k, p]
            if run > 0:
                reach[m] = p
                m += 1
                uncovered[p] = True
        reach_first[k + 1] = m
    while uncovered.any():
        best, best_gain = -1, 0.0
        for k in range(len(owners)):
            if chosen_k[k]:  # gains nothing more: all its pieces are covered
                continue
            total = 0.0
            for q in range(reach_first[k], reach_first[k + 1]):
                p = reach[q]  # left to right, as the reference's cumulative sum
                if uncovered[p]:
                    total += bounds[p + 1] - bounds[p]
            gain = np.rint(total * _SCALE) / _SCALE  # numpy's round(total, 6), exactly
            # Most metres, then cheapest, then lowest id (owners ascend: the first wins ties).
            if best < 0 or gain > best_gain or (gain == best_gain and cheapest[k] < cheapest[best]):
                best, best_gain = k, gain
        if best < 0 or best_gain <= eps:
            break
        chosen_k[best] = True
        for q in range(reach_first[best], reach_first[best + 1]):
            uncovered[reach[q]] = False
    return chosen_k[k_of]


@njit(cache=True, nogil=True)
def _sweep(
    entry_opt, entry_iv, iv, asset, cost, start, end, eps, legs, n_legs, used, n_used
):  # pragma: no cover
    """`coverage._sweep` over one stretch's entries (option, interval), in pool order."""
    pos = start
    while pos < end - eps:
        reach_from = pos + eps
        best, count = -1, 0
        best_key, best_used = 0.0, False
        for q in range(len(entry_opt)):
            s, e = iv[entry_iv[q], 0], iv[entry_iv[q], 1]
            if not (s <= reach_from and e > reach_from):
                continue
            count += 1
            o = entry_opt[q]
            key, sure = _round6(min(e, end))
            if not sure:
                return n_legs, n_used, False
            is_used = False
            for u in range(n_used):
                is_used |= used[u] == asset[o]
            if best < 0:
                better = True
            elif key != best_key:
                better = key > best_key
            elif is_used != best_used:
                better = is_used
            elif cost[o] != cost[entry_opt[best]]:
                better = cost[o] < cost[entry_opt[best]]
            else:
                better = asset[o] < asset[entry_opt[best]]
            if better:
                best, best_key, best_used = q, key, is_used
        if count == 0:
            later = np.inf
            for q in range(len(entry_opt)):
                s = iv[entry_iv[q], 0]
                if s > pos and s < end:
                    later = min(later, s)
            if later == np.inf:
                return n_legs, n_used, True
            pos = later
            continue
        o = entry_opt[best]
        stop = min(iv[entry_iv[best], 1], end)
        if n_legs > 0 and legs[n_legs - 1, 0] == o and abs(legs[n_legs - 1, 2] - pos) <= eps:
            legs[n_legs - 1, 2] = stop
        else:
            legs[n_legs, 0], legs[n_legs, 1], legs[n_legs, 2] = o, pos, stop
            n_legs += 1
        seen = False
        for u in range(n_used):
            seen |= used[u] == asset[o]
        if not seen:
            used[n_used] = asset[o]
            n_used += 1
        pos = stop
    return n_legs, n_used, True


@njit(cache=True, nogil=True)
def greedy_cover(asset, owner, cost, iv_first, iv, union, eps):  # pragma: no cover - compiled
    """`coverage.greedy_cover_reference` on arrays: legs (option, from_m, to_m) as rows of
    a float array, and `sure` (False: next to a rounding tie, ask the reference)."""
    chosen = choose_owners(owner, cost, iv_first, iv, eps)
    legs = np.empty((len(iv) + 1, 3), dtype=np.float64)
    pool = np.argsort(asset, kind="mergesort")  # stable, as Python's sorted
    # Each chosen option's intervals, in pool order, with the union stretch holding them.
    entry_opt = np.empty(len(iv), dtype=np.int64)
    entry_iv = np.empty(len(iv), dtype=np.int64)
    entry_at = np.empty(len(iv), dtype=np.int64)
    m = 0
    for o in pool:
        if not chosen[o]:
            continue
        for j in range(iv_first[o], iv_first[o + 1]):
            at = np.searchsorted(union[:, 0], iv[j, 0], side="right") - 1
            entry_opt[m], entry_iv[m] = o, j
            entry_at[m] = at if at >= 0 else len(union) - 1  # Python's list[-1]
            m += 1
    used = np.empty(len(iv) + 1, dtype=np.int64)
    n_legs, n_used = 0, 0
    for u in range(len(union)):
        start, end = union[u, 0], union[u, 1]
        keep = np.zeros(m, dtype=np.bool_)
        for q in range(m):
            j = entry_iv[q]
            keep[q] = entry_at[q] == u and iv[j, 1] > start and iv[j, 0] < end
        if not keep.any():
            continue
        n_legs, n_used, sure = _sweep(
            entry_opt[:m][keep], entry_iv[:m][keep], iv, asset, cost, start, end, eps,
            legs, n_legs, used, n_used,
        )  # fmt: skip
        if not sure:
            return legs[:0], False
    return legs[:n_legs], True


@njit(cache=True, nogil=True)
def totals(first, iv):  # pragma: no cover - compiled
    """Per option, `coverage.total` of its intervals: Python's `sum` of e - s, left to right."""
    out = np.zeros(len(first) - 1, dtype=np.float64)
    for k in range(len(first) - 1):
        total = 0.0
        for j in range(first[k], first[k + 1]):
            total += iv[j, 1] - iv[j, 0]
        out[k] = total
    return out
