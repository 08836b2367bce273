"""Python's `round` for many floats at once (the route report rounds hundreds of metres and
coordinates): a compiled pass, with `round` itself only where a float could round otherwise.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# `rounded` trusts x·10ⁿ → rint → ÷10ⁿ wherever the scaled value is this far from a tie (its
# float product then rounds the way the exact one does) and below _EXACT_BELOW.
_TIE_MARGIN, _EXACT_BELOW = 1e-3, 2.0**40
_FEW = 8  # below this many values, Python's round is cheaper than a call


@njit(cache=True, nogil=True)
def _round_scaled(x, scale):  # pragma: no cover - compiled
    """rint(x·scale)/scale + 0.0 per value, and whether the value needs Python's round."""
    out = np.empty(len(x), dtype=np.float64)
    doubtful = np.zeros(len(x), dtype=np.bool_)
    for k in range(len(x)):
        scaled = x[k] * scale
        r = np.rint(scaled)
        out[k] = r / scale + 0.0
        if not abs(scaled) < _EXACT_BELOW or abs(scaled - r) > 0.5 - _TIE_MARGIN:
            doubtful[k] = True
    return out, doubtful


def rounded(values, digits: int) -> list[float]:
    """`round(v, digits) + 0.0` of every value (a flat sequence or any array), as floats.

    Python rounds the exact binary value half-to-even and returns the double nearest the
    decimal result; rint of the scaled float gives the same integer unless the scaled value
    lies next to a tie (where the product's rounding could tip it), and that integer ÷ 10ⁿ
    is the nearest double to the decimal (IEEE division is correctly rounded). Values next
    to a tie, huge or not finite go through `round` itself.
    """
    if isinstance(values, np.ndarray):
        values = values.ravel()
    if len(values) < _FEW:
        return [round(float(v), digits) + 0.0 for v in values]
    x = np.asarray(values, dtype=np.float64)
    out, doubtful = _round_scaled(x, 10.0**digits)
    found = out.tolist()
    if doubtful.any():
        for k in np.flatnonzero(doubtful).tolist():
            found[k] = round(float(x[k]), digits) + 0.0
    return found
