"""Threads query while another thread writes: no errors and every answer is consistent."""

from __future__ import annotations

import threading
import time

import numpy as np
from shapely.geometry import Point

from matching import AssetIndex, Capacity, MemorySource, SiteRequest, match_site
from tests.unit.matching.factories import make_point, offset, random_points

CENTRE = (121.47, 31.23)
REQUEST = SiteRequest(Point(*CENTRE), 400.0, {"antenna_mount": 1}, limit=100)
TOGGLED, MOVER = 900_001, 900_002


def test_eight_readers_and_one_writer_see_consistent_generations():
    rng = np.random.default_rng(1)
    movers = [
        make_point(TOGGLED, *offset(*CENTRE, 50, 0)),
        make_point(MOVER, *offset(*CENTRE, -100, 30)),
    ]
    source = MemorySource(random_points(rng, CENTRE, 2_000, 2_000.0) + movers)
    index = AssetIndex(source, delta_limit=40)  # small, so compactions run during the test
    index.build()
    stop = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        for k in range(300):
            free = 5 if k % 2 else 0
            source.put(
                make_point(
                    TOGGLED, *offset(*CENTRE, 50, 0), capacity={"antenna_mount": Capacity(6, free)}
                )
            )
            source.put(make_point(MOVER, *offset(*CENTRE, 100 if k % 2 else -100, 30)))
            source.put(
                random_points(rng, CENTRE, 1, 2_000.0, first_id=int(rng.integers(1, 2_000)))[0]
            )
        stop.set()

    def read() -> None:
        last_seq = -1
        try:
            while not stop.is_set():
                report = match_site(index, REQUEST)
                found = [c.asset_id for c in report.candidates]
                assert report.registry_seq >= last_seq
                last_seq = report.registry_seq
                # The mover is in range at both of its places: always exactly once.
                assert found.count(MOVER) == 1
                # The toggled tower appears only while it has free mounts.
                assert all(c.free["antenna_mount"] > 0 for c in report.candidates)
        except BaseException as error:
            errors.append(error)
            stop.set()

    readers = [threading.Thread(target=read) for _ in range(8)]
    writer = threading.Thread(target=write)
    for thread in [*readers, writer]:
        thread.start()
    for thread in [*readers, writer]:
        thread.join(timeout=60)
    assert not errors, errors[0]
    assert not writer.is_alive()
    deadline = time.monotonic() + 10
    while index.stats()["rebuilds"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
        index.catch_up()  # installs a compaction that finished after the readers stopped
    assert index.stats()["rebuilds"] >= 1, index.stats()
    final = match_site(index, REQUEST)
    assert final.registry_seq == source.current_seq()
