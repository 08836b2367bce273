"""Compiled inner loops of route matching (numba `@njit(cache=True)`): merging the covered
pieces of each candidate row.

Exactness: the kernels do the comparisons, `min` and `max` of `linref`'s pure-Python loop in
the same order on the same float64 values (no arithmetic beyond `± EPS_M` and `abs`, no
fastmath), so the reports stay byte-identical.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def merge_pieces(rows, lo, hi, lat_lo, lat_hi, eps):  # pragma: no cover - compiled
    """Merge pieces sorted by (row, lo, hi): touching ones (within eps) join; a merged end's
    lateral is the least at that end. Returns (row, lo, hi, lat_lo, lat_hi) per stretch."""
    n = len(rows)
    o_row = np.empty(n, dtype=np.int64)
    o = np.empty((n, 4), dtype=np.float64)
    m = 0
    for k in range(n):
        row = rows[k]
        a, b, la, lb = lo[k], hi[k], lat_lo[k], lat_hi[k]
        if m > 0 and o_row[m - 1] == row and a <= o[m - 1, 1] + eps:
            # Python's min(last, new) keeps last on ties
            if abs(a - o[m - 1, 0]) <= eps and la < o[m - 1, 2]:
                o[m - 1, 2] = la
            if b > o[m - 1, 1] + eps:
                o[m - 1, 1] = b
                o[m - 1, 3] = lb
            elif abs(b - o[m - 1, 1]) <= eps:
                if not o[m - 1, 1] > b:  # max(hi, last) keeps hi on ties
                    o[m - 1, 1] = b
                if lb < o[m - 1, 3]:
                    o[m - 1, 3] = lb
        else:
            o_row[m] = row
            o[m, 0], o[m, 1], o[m, 2], o[m, 3] = a, b, la, lb
            m += 1
    return o_row[:m], o[:m]


@njit(cache=True, nogil=True, inline="always")
def _sum2(x, y):  # pragma: no cover - compiled
    """numpy's `.sum()` of two values: it starts from +0.0, so -0.0 + -0.0 gives +0.0 (the
    sign of a zero decides a root's formula in `_push_roots`)."""
    return (0.0 + x) + y


@njit(cache=True, nogil=True, inline="always")
def _clip01(x):  # pragma: no cover - compiled
    return min(max(x, 0.0), 1.0)


@njit(cache=True, nogil=True, inline="always")
def _dist2(proj, k, t):  # pragma: no cover - compiled
    """`linref._dist2` for pair k at t, with the same operations in the same order."""
    tau = _clip01(proj[k, 0] + proj[k, 1] * t)
    gx = (proj[k, 2] + t * proj[k, 4]) - tau * proj[k, 6]
    gy = (proj[k, 3] + t * proj[k, 5]) - tau * proj[k, 7]
    return _sum2(gx * gx, gy * gy)


@njit(cache=True, nogil=True, error_model="numpy")
def projection(seg, a, b, p0, d):  # pragma: no cover - compiled
    """Per pair (alpha, beta, wx, wy, ux, uy, dx, dy), as `linref._projection`."""
    n = len(seg)
    proj = np.empty((n, 8), dtype=np.float64)
    for k in range(n):
        s = seg[k]
        dx, dy = d[s, 0], d[s, 1]
        wx, wy = a[k, 0] - p0[s, 0], a[k, 1] - p0[s, 1]
        ux, uy = b[k, 0] - a[k, 0], b[k, 1] - a[k, 1]
        ee = _sum2(dx * dx, dy * dy)
        if ee > 0:
            alpha = _sum2(wx * dx, wy * dy) / ee
            beta = _sum2(ux * dx, uy * dy) / ee
        else:
            alpha = 0.0
            beta = 0.0
        proj[k, 0], proj[k, 1] = alpha, beta
        proj[k, 2], proj[k, 3], proj[k, 4], proj[k, 5] = wx, wy, ux, uy
        proj[k, 6], proj[k, 7] = dx, dy
    return proj


@njit(cache=True, nogil=True, inline="always")
def _push_roots(out, n, a, b, c):  # pragma: no cover - compiled
    """`linref._roots` of a·t² + b·t + c, keeping those in [0, 1]; returns the new count."""
    if a == 0:
        if b != 0:
            r = -c / b
            if r >= 0.0 and r <= 1.0:
                out[n] = r
                n += 1
        return n
    disc = b * b - 4 * a * c
    if disc >= 0:
        q = -0.5 * (b + np.copysign(np.sqrt(disc), b))
        r = q / a
        if r >= 0.0 and r <= 1.0:
            out[n] = r
            n += 1
        r = c / q
        if r >= 0.0 and r <= 1.0:
            out[n] = r
            n += 1
    return n


@njit(cache=True, nogil=True, error_model="numpy")
def pieces(proj, row, seg, starts, sizes, start_m, seg_m, cc, tiny, eps):  # pragma: no cover
    """`linref.linear_coverage` from the projections of the pairs sorted by candidate
    segment: the covered pieces (row, lo, hi, pair, t0, t1, m0, m1) and each piece's lateral
    at its low and high measure."""
    n = len(row)
    quad = np.empty((3, n, 3), dtype=np.float64)  # [piece, pair, (A, B, C)]
    for k in range(n):
        alpha, beta = proj[k, 0], proj[k, 1]
        wx, wy, ux, uy = proj[k, 2], proj[k, 3], proj[k, 4], proj[k, 5]
        dx, dy = proj[k, 6], proj[k, 7]
        for q in range(3):
            if q == 0:
                g0x, g0y, g1x, g1y = wx, wy, ux, uy
            elif q == 1:
                g0x, g0y = wx - alpha * dx, wy - alpha * dy
                g1x, g1y = ux - beta * dx, uy - beta * dy
            else:
                g0x, g0y, g1x, g1y = wx - dx, wy - dy, ux, uy
            quad[q, k, 0] = _sum2(g1x * g1x, g1y * g1y)
            quad[q, k, 1] = 2 * _sum2(g0x * g1x, g0y * g1y)
            quad[q, k, 2] = _sum2(g0x * g0x, g0y * g0y)
    bound = 0
    widest = 0
    for g in range(len(starts)):
        s = sizes[g]
        size = 2 + 8 * s + 9 * s * (s - 1)
        bound += size
        widest = max(widest, size)
    out = np.empty((bound, 8), dtype=np.float64)
    lat = np.empty((bound, 2), dtype=np.float64)
    ts = np.empty(widest, dtype=np.float64)
    m = 0
    for g in range(len(starts)):
        first, last = starts[g], starts[g] + sizes[g]
        ts[0], ts[1] = 0.0, 1.0
        c = 2
        for k in range(first, last):
            beta = proj[k, 1]
            if beta != 0:
                for edge in (0.0, 1.0):
                    r = (edge - proj[k, 0]) / beta
                    if r >= 0.0 and r <= 1.0:
                        ts[c] = r
                        c += 1
            for q in range(3):
                c = _push_roots(ts, c, quad[q, k, 0], quad[q, k, 1], quad[q, k, 2] - cc)
        for i in range(first, last):
            for j in range(i + 1, last):
                for q in range(3):
                    for p in range(3):
                        c = _push_roots(
                            ts, c,
                            quad[q, i, 0] - quad[p, j, 0],
                            quad[q, i, 1] - quad[p, j, 1],
                            quad[q, i, 2] - quad[p, j, 2],
                        )  # fmt: skip
        t = np.sort(ts[:c])
        for h in range(c - 1):
            t0, t1 = t[h], t[h + 1]
            if not t1 - t0 > tiny:
                continue
            mid = (t0 + t1) / 2
            best, best_d2 = -1, 0.0
            for k in range(first, last):
                d2 = _dist2(proj, k, mid)
                # The least d2, the first pair on ties; a nan (lexsort puts it last) never wins.
                if best < 0 or d2 < best_d2 or (best_d2 != best_d2 and d2 == d2):
                    best, best_d2 = k, d2
            if not best_d2 <= cc:
                continue
            s = seg[best]
            m0 = start_m[s] + _clip01(proj[best, 0] + proj[best, 1] * t0) * seg_m[s]
            m1 = start_m[s] + _clip01(proj[best, 0] + proj[best, 1] * t1) * seg_m[s]
            out[m, 0] = row[best]
            out[m, 1], out[m, 2] = min(m0, m1), max(m0, m1)
            out[m, 3], out[m, 4], out[m, 5], out[m, 6], out[m, 7] = best, t0, t1, m0, m1
            if abs(m1 - m0) <= eps:  # one route point: the shortest join over the piece
                tau = _clip01(proj[best, 0] + proj[best, 1] * ((t0 + t1) / 2))
                gx = proj[best, 2] - tau * proj[best, 6]
                gy = proj[best, 3] - tau * proj[best, 7]
                ux, uy = proj[best, 4], proj[best, 5]
                uu = _sum2(ux * ux, uy * uy)
                t_star = -_sum2(gx * ux, gy * uy) / uu if uu > 0 else t0
                t_star = min(max(t_star, min(t0, t1)), max(t0, t1))
                d2 = min(_dist2(proj, best, t0), _dist2(proj, best, t1))
                d2 = min(d2, _dist2(proj, best, t_star))
                lat[m, 0] = lat[m, 1] = np.sqrt(d2)
            else:
                d0 = np.sqrt(_dist2(proj, best, t0))
                d1 = np.sqrt(_dist2(proj, best, t1))
                lat[m, 0], lat[m, 1] = (d0, d1) if m0 <= m1 else (d1, d0)
            m += 1
    return out[:m], lat[:m]


@njit(cache=True, nogil=True, inline="always")
def _point_segment(px, py, ax, ay, bx, by):  # pragma: no cover - compiled
    """`corridor._point_segment` for one point and one segment, same operations."""
    abx, aby = bx - ax, by - ay
    length2 = abx * abx + aby * aby
    if length2 > 0:
        t = ((px - ax) * abx + (py - ay) * aby) / length2
        t = min(max(t, 0.0), 1.0)
    else:
        t = 0.0
    return np.hypot(px - (ax + t * abx), py - (ay + t * aby))


@njit(cache=True, nogil=True, error_model="numpy")
def near_pairs(p0, d, a, b, corridor_m):  # pragma: no cover - compiled
    """`corridor.near_pairs` and `corridor.pair_distances` in one pass: the (route segment,
    candidate segment) pairs whose boxes, grown by the corridor, meet, in the same order
    (route segment, then candidate segment), and the distance of each."""
    n_route, n_seg = len(p0), len(a)
    lo = np.empty((n_seg, 2), dtype=np.float64)
    hi = np.empty((n_seg, 2), dtype=np.float64)
    for j in range(n_seg):
        for c in range(2):
            lo[j, c] = min(a[j, c], b[j, c]) - corridor_m
            hi[j, c] = max(a[j, c], b[j, c]) + corridor_m
    cap = 16
    ri = np.empty(cap, dtype=np.int64)
    sj = np.empty(cap, dtype=np.int64)
    m = 0
    for i in range(n_route):
        p0x, p0y = p0[i, 0], p0[i, 1]
        ex, ey = p0x + d[i, 0], p0y + d[i, 1]
        rlx, rhx = min(p0x, ex), max(p0x, ex)
        rly, rhy = min(p0y, ey), max(p0y, ey)
        for j in range(n_seg):
            if rlx <= hi[j, 0] and rhx >= lo[j, 0] and rly <= hi[j, 1] and rhy >= lo[j, 1]:
                if m == cap:
                    cap *= 2
                    ri2 = np.empty(cap, dtype=np.int64)
                    sj2 = np.empty(cap, dtype=np.int64)
                    ri2[:m], sj2[:m] = ri[:m], sj[:m]
                    ri, sj = ri2, sj2
                ri[m], sj[m] = i, j
                m += 1
    apart = np.empty(m, dtype=np.float64)
    for k in range(m):
        i, j = ri[k], sj[k]
        p0x, p0y, dx, dy = p0[i, 0], p0[i, 1], d[i, 0], d[i, 1]
        p1x, p1y = p0x + dx, p0y + dy
        ax, ay, bx, by = a[j, 0], a[j, 1], b[j, 0], b[j, 1]
        ends = min(
            min(
                _point_segment(p0x, p0y, ax, ay, bx, by),
                _point_segment(p1x, p1y, ax, ay, bx, by),
            ),
            min(
                _point_segment(ax, ay, p0x, p0y, p1x, p1y),
                _point_segment(bx, by, p0x, p0y, p1x, p1y),
            ),
        )
        side_a = dx * (ay - p0y) - dy * (ax - p0x)
        side_b = dx * (by - p0y) - dy * (bx - p0x)
        abx, aby = bx - ax, by - ay
        side_0 = abx * (p0y - ay) - aby * (p0x - ax)
        side_1 = abx * (p1y - ay) - aby * (p1x - ax)
        crossing = side_a * side_b < 0 and side_0 * side_1 < 0
        apart[k] = 0.0 if crossing else ends
    return ri[:m], sj[:m], apart


@njit(cache=True, nogil=True, inline="always")
def _join(proj, pair, t, xs, ys, n):  # pragma: no cover - compiled
    """The two legs of `linref._PairGeometry.distance(pair, t)`'s hypot, stored at n."""
    tau = min(max(proj[pair, 0] + proj[pair, 1] * t, 0.0), 1.0)
    xs[n] = proj[pair, 2] + t * proj[pair, 4] - tau * proj[pair, 6]
    ys[n] = proj[pair, 3] + t * proj[pair, 5] - tau * proj[pair, 7]
    return n + 1


@njit(cache=True, nogil=True, error_model="numpy")
def lateral_legs(pieces, first, proj, rows, measures, eps):  # pragma: no cover - compiled
    """For `linref.Coverage.laterals_at`: the (x, y) whose hypot is each candidate join of
    query q (row, measure), with the scalar look-up's operations in its order. The caller
    takes `math.hypot` (CPython's, as the scalar look-up does) and the least per query."""
    cap = 0
    for q in range(len(rows)):
        cap += 3 * (first[rows[q] + 1] - first[rows[q]])
    xs = np.empty(cap, dtype=np.float64)
    ys = np.empty(cap, dtype=np.float64)
    owner = np.empty(cap, dtype=np.int64)
    n = 0
    for q in range(len(rows)):
        measure = measures[q]
        for p in range(first[rows[q]], first[rows[q] + 1]):
            if not (pieces[p, 1] - eps <= measure and measure <= pieces[p, 2] + eps):
                continue
            pair = np.int64(pieces[p, 3])
            t0, t1, m0, m1 = pieces[p, 4], pieces[p, 5], pieces[p, 6], pieces[p, 7]
            start = n
            if abs(m1 - m0) <= eps:  # `_PairGeometry.shortest`
                alpha, beta = proj[pair, 0], proj[pair, 1]
                tau = min(max(alpha + beta * (t0 + t1) / 2, 0.0), 1.0)
                gx, gy = proj[pair, 2] - tau * proj[pair, 6], proj[pair, 3] - tau * proj[pair, 7]
                ux, uy = proj[pair, 4], proj[pair, 5]
                uu = ux * ux + uy * uy
                t_star = -(gx * ux + gy * uy) / uu if uu > 0 else t0
                t_star = min(max(t_star, min(t0, t1)), max(t0, t1))
                n = _join(proj, pair, t0, xs, ys, n)
                n = _join(proj, pair, t1, xs, ys, n)
                n = _join(proj, pair, t_star, xs, ys, n)
            else:
                t = t0 + (measure - m0) / (m1 - m0) * (t1 - t0)
                t = min(max(t, min(t0, t1)), max(t0, t1))
                n = _join(proj, pair, t, xs, ys, n)
            owner[start:n] = q
    return xs[:n], ys[:n], owner[:n]
