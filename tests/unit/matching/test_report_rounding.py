"""The route report's vectorised rounding gives exactly what Python's round gives."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matching.kernels_route_rounding import rounded


def _values(rng: np.random.Generator, digits: int) -> np.ndarray:
    n = 40_000
    return np.concatenate(
        [
            rng.uniform(-180.0, 180.0, n),  # coordinates
            rng.uniform(0.0, 50_000.0, n),  # metres
            np.round(rng.uniform(-1_000.0, 1_000.0, n), digits + 1),  # many close to a tie
            (rng.integers(-(10**6), 10**6, n) + 0.5) / 10**digits,  # ties, as near as floats get
            rng.normal(0.0, 1e-3, n),  # tiny, and negative values that round to -0.0
            [0.0, -0.0, math.nan, math.inf, -math.inf, 1e300, -1e-300, 5e-324, 2.0**45 + 0.5],
        ]
    )


@pytest.mark.parametrize("digits", [2, 4, 7])
def test_rounded_equals_python_round_bit_for_bit(digits):
    values = _values(np.random.default_rng(digits), digits)
    expected = [round(float(v), digits) + 0.0 for v in values]
    found = rounded(values, digits)
    assert [repr(v) for v in found] == [repr(v) for v in expected]


@pytest.mark.parametrize("rows", [0, 2, 50])
def test_few_or_many_points_of_a_two_dimensional_array_round_row_by_row(rows):
    grid = np.random.default_rng(rows).uniform(-90.0, 90.0, (rows, 2))
    expected = [round(float(v), 7) + 0.0 for row in grid.tolist() for v in row]
    assert [repr(v) for v in rounded(grid, 7)] == [repr(v) for v in expected]
