"""bench/scale_bench: the 1 M and 10 M site queries are timed in alternating blocks."""

from __future__ import annotations

import numpy as np

from bench import scale_bench
from bench.dataset import Dataset
from bench.report import Figures


def test_alternating_times_every_request_once_in_turns_of_a_block(monkeypatch):
    calls = []
    monkeypatch.setattr(scale_bench, "match_site", lambda index, r: calls.append((index, r)))
    monkeypatch.setattr(scale_bench, "BLOCK", 3)
    monkeypatch.setattr(scale_bench, "WARM", 2)
    requests = [list(range(7)), list(range(100, 107))]
    (wall_a, cpu_a), (wall_b, cpu_b) = scale_bench.alternating(["a", "b"], requests)
    assert len(wall_a) == len(cpu_a) == len(wall_b) == len(cpu_b) == 7
    timed = calls[4:]  # after the warm-up: 2 requests on each index
    assert calls[:4] == [("a", 0), ("a", 1), ("b", 100), ("b", 101)]
    turns = [index for index, _ in timed]
    assert turns == ["a"] * 3 + ["b"] * 3 + ["a"] * 3 + ["b"] * 3 + ["a", "b"]
    assert [r for index, r in timed if index == "a"] == requests[0]
    assert [r for index, r in timed if index == "b"] == requests[1]


def test_side_by_side_sets_the_target_from_the_small_index_timed_beside_it():
    small, big = Dataset.generate(2_000, 200), Dataset.generate(4_000, 400, provinces=2)
    figures = Figures()
    pairs = [(d, scale_bench.load(d)) for d in (small, big)]
    scale_bench.side_by_side(*pairs, 30, figures, np.random.default_rng(1))
    (target,) = figures.targets()
    small_p50 = figures.items[0]
    assert target.key == "site_match_p50_10M"
    assert target.target == 1.5 * small_p50.measured
    assert "0.004 M points" in target.name
