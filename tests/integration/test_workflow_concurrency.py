"""Eight workers reserve, accept, reject, withdraw, release and expire at random; nothing breaks."""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from registry.db.uow import UnitOfWork
from registry.errors import CapacityExhausted, IllegalTransition, UnitUnavailable
from registry.workflow import expiry, share_requests
from registry.workflow.models import ShareRequest
from registry.workflow.share_holds import UnitAsk
from tests.workflow_factories import make_cable, make_parties, make_tower
from tests.workflow_invariants import check_all

log = logging.getLogger(__name__)

WORKERS = 8
OPS_PER_WORKER = 30
SEEDS = (11, 22, 33, 44, 55)
EXPECTED = (CapacityExhausted, UnitUnavailable, IllegalTransition)
REASONS = ["no_capacity", "safety", "other"]
MODES = {"fiber_core": "core_lease", "antenna_mount": "co_location"}


class Scenario:
    """Shared state of one run: the assets, the request ids so far, the outcome tally."""

    def __init__(self, session_factory, cast, assets):
        self.factory, self.cast, self.assets = session_factory, cast, assets
        self.ids: list[tuple[int, str]] = []
        self.lock = threading.Lock()
        self.tally: Counter = Counter()
        self.failures: list[BaseException] = []

    def pick(self, rng) -> tuple[int, str] | tuple[None, None]:
        with self.lock:
            return rng.choice(self.ids) if self.ids else (None, None)

    def reserve(self, rng) -> None:
        asset_id, resource, total = rng.choice(self.assets)
        if rng.random() < 0.3:
            units = tuple(sorted(rng.sample(range(1, total + 1), rng.randint(1, 2))))
            ask = UnitAsk(asset_id, resource, units=units)
        else:
            ask = UnitAsk(asset_id, resource, count=rng.randint(1, 3))
        hold = dt.timedelta(milliseconds=rng.choice([80, 400, 60_000]))
        with UnitOfWork(self.factory, self.cast.operator) as uow:
            sr = share_requests.create_share_request(uow, ask, "random", hold=hold)
        with self.lock:
            self.ids.append((sr.id, resource))

    def answer(self, rng, action: str) -> None:
        request_id, resource = self.pick(rng)
        if request_id is None:
            return
        actor = self.cast.owner if action in ("accept", "reject") else self.cast.operator
        args = {
            "accept": ("AGR-1", MODES[resource]),
            "reject": (rng.choice(REASONS), "random refusal"),
            "withdraw": ("random",),
            "release": ("random",),
        }[action]
        with UnitOfWork(self.factory, actor) as uow:
            getattr(share_requests, action)(uow, request_id, *args)

    def expire(self, rng) -> None:
        with UnitOfWork(self.factory, self.cast.admin) as uow:
            expiry.expire_lapsed(uow)

    def step(self, rng) -> None:
        action = rng.choices(
            ["reserve", "accept", "reject", "withdraw", "release", "expire"],
            weights=[5, 3, 1, 1, 3, 1],
        )[0]
        try:
            if action == "reserve":
                self.reserve(rng)
            elif action == "expire":
                self.expire(rng)
            else:
                self.answer(rng, action)
            self.tally[f"{action}:ok"] += 1
        except EXPECTED as exc:
            self.tally[f"{action}:{exc.code}"] += 1

    def worker(self, seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(OPS_PER_WORKER):
                self.step(rng)
        except BaseException as exc:  # any other error (a deadlock, say) fails the test
            self.failures.append(exc)


def _run(scenario: Scenario, seed: int) -> None:
    threads = [
        threading.Thread(target=scenario.worker, args=(seed * 100 + i,)) for i in range(WORKERS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not scenario.failures, scenario.failures


@pytest.mark.slow
def test_random_concurrent_sharing_never_overbooks_and_history_accounts_for_all(
    session_factory,
):
    cast = make_parties(session_factory)
    cable = make_cable(session_factory, cast.owner_id, cores=12)
    tower = make_tower(session_factory, cast.owner_id, heights=(40, 35, 30, 25))
    scenario = Scenario(
        session_factory, cast, [(cable, "fiber_core", 12), (tower, "antenna_mount", 4)]
    )
    for seed in SEEDS:
        _run(scenario, seed)
        check_all(session_factory)
    log.info("random workflow outcomes: %s", dict(sorted(scenario.tally.items())))
    with session_factory() as session:
        states = Counter(session.scalars(sa.select(ShareRequest.state)))
    assert {"accepted", "expired", "released"} <= set(states), states
    assert scenario.tally["reserve:ok"] > 0 and scenario.tally["accept:ok"] > 0
    assert scenario.tally["reserve:capacity_exhausted"] + scenario.tally["reserve:unit_unavailable"]
