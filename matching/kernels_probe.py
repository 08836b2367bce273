"""One compiled call for a site probe over the base points and the delta points together.

After 10,000 caught-up writes most site queries also scan the delta table: a second
kernel call (~1.7 µs of dispatch for its nine arguments) and ~1.5 µs of Python around it
(`Generation._filtered`, `_scan_delta`). Calling both scans from inside one compiled
function pays the dispatch once. The two scans are `kernels.scan_points` and
`kernels.scan_sorted` themselves, so the slots are the same as calling them one by one.
"""

from __future__ import annotations

from numba import njit

from matching.kernels import scan_points, scan_sorted


@njit(cache=True, nogil=True)
def scan_points_and_delta(
    boxes, starts, counts, bucket, lon, lat, profile, free, allowed, codes, units, qbox,
    order, sorted_lon, d_lat, d_profile, d_free,
):  # fmt: skip  # pragma: no cover - compiled
    """(base slots, delta slots) inside `qbox` that pass the filter, each in slot order."""
    base = scan_points(
        boxes, starts, counts, bucket, lon, lat, profile, free, allowed, codes, units, qbox
    )
    delta = scan_sorted(order, sorted_lon, d_lat, d_profile, d_free, allowed, codes, units, qbox)
    return base, delta
