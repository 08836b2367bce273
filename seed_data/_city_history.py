"""A year of workflow history for the demo city: build requests, decisions, share answers and
a co-build, replayed through the registry's own services, then dated over the past year.

Deterministic for a seed; replayed once (a second seed run finds the history and does nothing).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import numpy as np
import shapely
import sqlalchemy as sa
from shapely.geometry import mapping
from shapely.ops import substring

from registry.db.geometry import parse_geojson
from registry.db.uow import Actor, UnitOfWork
from registry.errors import RegistryError
from registry.inventory.models import Allocation, Asset, Organisation
from registry.workflow import build_requests, decisions, share_requests
from registry.workflow.calendar import Calendar
from registry.workflow.models import BuildRequest, ShareRequest
from seed_data import orgs as O

log = logging.getLogger(__name__)

MARK = "[demo] "  # every demo build request's purpose starts with this
JUSTIFICATION = "The nearby structure cannot carry the panels at the height the plan needs."
APPROVER = O.MUNICIPAL


@dataclass
class Step:
    """One planned request: who, where, what, and how it ends."""

    who: str
    geometry: dict
    needs: dict
    outcome: str  # require_share, approve_new_build, reject, pending, co_build
    answer: str = "accept"  # the owner's answer to the share request
    wanted: dt.date | None = None
    extra: dict = field(default_factory=dict)


def already_replayed(session_factory) -> bool:
    with session_factory() as session:
        stmt = sa.select(sa.func.count()).where(BuildRequest.purpose.like(f"{MARK}%"))
        return bool(session.scalar(stmt))


def _towers(session, owner_id: int, n: int) -> list[tuple[float, float]]:
    stmt = (
        sa.select(sa.func.ST_X(Asset.geom), sa.func.ST_Y(Asset.geom))
        .where(Asset.kind == "tower", Asset.owner_id == owner_id, Asset.sensitivity == "public")
        .order_by(Asset.id)
        .limit(n)
    )
    return [(float(x), float(y)) for x, y in session.execute(stmt)]


def _cables(session, n: int) -> list:
    stmt = (
        sa.select(sa.func.ST_AsBinary(Asset.geom))
        .where(
            Asset.kind == "fiber_cable", Asset.sensitivity == "public", Asset.status == "in_service"
        )
        .order_by(Asset.id)
        .limit(n)
    )
    return [shapely.from_wkb(bytes(g)) for (g,) in session.execute(stmt)]


def _near(lon: float, lat: float, rng) -> dict:
    """A site 20 to 60 m east of a point (about 1e-5 degrees per metre here)."""
    return {"type": "Point", "coordinates": [lon + float(rng.uniform(2e-4, 6e-4)), lat]}


def _beside(line) -> dict | None:
    """The middle of a cable, 5 m to its north: a route that can reuse it."""
    if line.length == 0:
        return None
    middle = substring(line, 0.2, 0.8, normalized=True)
    moved = shapely.transform(middle, lambda xy: xy + np.array([0.0, 4.5e-5]))
    return mapping(moved)


def plan(session_factory, org_ids: dict[str, int], seed: int) -> list[Step]:
    """The steps of the year, chosen from the city's own towers and cables."""
    rng = np.random.default_rng(seed + 2026)
    ops = list(O.OPERATORS)
    with session_factory() as session:
        towers = _towers(session, org_ids[O.CHINA_TOWER], 24)
        cables = _cables(session, 6)
    steps = []
    for i, (lon, lat) in enumerate(towers[:18]):
        answer = "reject" if i % 7 == 3 else "accept"
        steps.append(
            Step(ops[i % 3], _near(lon, lat, rng), {"antenna_mount": 1}, "require_share", answer)
        )
    for i, (lon, lat) in enumerate(towers[18:24]):
        outcome = ("approve_new_build", "reject", "pending")[i % 3]
        steps.append(Step(ops[(i + 1) % 3], _near(lon, lat, rng), {"antenna_mount": 1}, outcome))
    for i, line in enumerate(cables):
        route = _beside(line)
        if route is not None:
            steps.append(
                Step(
                    ops[i % 3],
                    route,
                    {"fiber_core": 4},
                    "require_share",
                    extra={"corridor_m": 30.0},
                )
            )
    wanted = dt.date.today() + dt.timedelta(days=120)
    centre = (108.40, 22.86)  # the northern new town: no tower within reach yet
    for j, who in enumerate((O.CHINA_MOBILE, O.CHINA_UNICOM)):
        site = {"type": "Point", "coordinates": [centre[0] + j * 0.0009, centre[1]]}
        steps.append(Step(who, site, {"antenna_mount": 1}, "co_build", wanted=wanted))
    return steps


def _actor(org_ids, key: str, role: str) -> Actor:
    return Actor(f"{key}/demo", org_ids[key], frozenset({role}))


def _submit(session_factory, matcher, org_ids, step: Step) -> int:
    body = {"geometry": parse_geojson(step.geometry), "needs": step.needs, **step.extra}
    if step.geometry["type"] == "Point":
        body.setdefault("radius_m", 200.0)
    with UnitOfWork(session_factory, _actor(org_ids, step.who, "operator")) as uow:
        br = build_requests.submit_build_request(
            uow,
            matcher,
            purpose=f"{MARK}5G plan of {step.who}",
            wanted_date=step.wanted,
            approver_org_id=org_ids[APPROVER],
            **body,
        )
        return br.id


def _decide(session_factory, org_ids, step: Step, br_id: int) -> None:
    approver = _actor(org_ids, APPROVER, "approver")
    with UnitOfWork(session_factory, approver) as uow:
        d = decisions.decide(
            uow, br_id, step.outcome, reason="Decided in the demo year", justification=JUSTIFICATION
        )
    for sr_id in d.share_request_ids:
        _answer(session_factory, sr_id, step.answer)


def _decide_or_build(session_factory, org_ids, step: Step, br_id: int) -> None:
    """The planned decision; where nothing can be shared after all (no candidate, or the
    requester's own asset), the approver lets it build new."""
    try:
        _decide(session_factory, org_ids, step, br_id)
    except RegistryError as exc:
        log.info("demo history: build request %s built new instead (%s)", br_id, exc)
        fallback = Step(step.who, step.geometry, step.needs, "approve_new_build")
        _decide(session_factory, org_ids, fallback, br_id)


def _answer(session_factory, sr_id: int, answer: str) -> None:
    with session_factory() as session:
        sr = session.get(ShareRequest, sr_id)
        owner_key = sr.owner_id
    owner = Actor("owner/demo", owner_key, frozenset({"owner"}))
    with UnitOfWork(session_factory, owner) as uow:
        if answer == "accept":
            mode = "core_lease" if sr.resource == "fiber_core" else None
            share_requests.accept(uow, sr_id, agreement_ref=f"DEMO-{sr_id}", sharing_mode=mode)
        else:
            share_requests.reject(uow, sr_id, "reserved_for_own_plan", "Kept for our own 5G plan")


def _co_build(session_factory, org_ids, br_ids: list[int]) -> None:
    from registry.planning import co_build_decision
    from registry.planning.models import CoBuildMember

    with session_factory() as session:
        group_id = session.scalar(
            sa.select(CoBuildMember.group_id).where(CoBuildMember.build_request_id == br_ids[0])
        )
    if group_id is None:
        log.warning("demo history: the co-build pair formed no group")
        return
    with UnitOfWork(session_factory, _actor(org_ids, APPROVER, "approver")) as uow:
        co_build_decision.decide_co_build(uow, group_id, br_ids[0], "One tower for both operators")


def _date(session_factory, dated: list[tuple[int, int]], today: dt.date, seed: int) -> None:
    """Spread the requests over the year before `today`; answers follow within weeks."""
    rng = np.random.default_rng(seed + 7)
    calendar = Calendar()
    start = dt.datetime.combine(today - dt.timedelta(days=365), dt.time(9), dt.UTC)
    step_days = 350 / max(1, len(dated))
    with session_factory() as session:
        for i, (br_id, _) in enumerate(dated):
            made = start + dt.timedelta(days=i * step_days, hours=int(rng.integers(0, 8)))
            br = session.get(BuildRequest, br_id)
            br.created_at, br.due_at = made, calendar.due("build_request", made)
            if br.decided_at is None:
                continue
            br.decided_at = br.updated_at = made + dt.timedelta(days=float(rng.uniform(2, 40)))
            srs = session.scalars(
                sa.select(ShareRequest).where(ShareRequest.build_request_id == br_id)
            )
            for sr in srs:
                asked = br.decided_at
                sr.created_at, sr.due_at = asked, calendar.due("share_request", asked)
                sr.answered_at = asked + dt.timedelta(days=float(rng.uniform(1, 35)))
                if sr.allocation_id is not None:
                    session.get(Allocation, sr.allocation_id).created_at = sr.answered_at
        session.commit()


def replay(session_factory, matcher, seed: int = 42, today: dt.date | None = None) -> int:
    """Replay the demo year once; returns how many build requests it made (0: already there)."""
    if already_replayed(session_factory):
        return 0
    with session_factory() as session:
        names = {o.name: o.id for o in session.scalars(sa.select(Organisation))}
    org_ids = {spec.key: names[spec.name] for spec in O.NANNING_ORGS if spec.name in names}
    steps = plan(session_factory, org_ids, seed)
    dated, co_built = [], []
    for step in steps:
        try:
            br_id = _submit(session_factory, matcher, org_ids, step)
        except RegistryError as exc:
            log.info("demo history: request skipped (%s)", exc)
            continue
        dated.append((br_id, step))
        if step.outcome == "co_build":
            co_built.append(br_id)
        elif step.outcome != "pending":
            _decide_or_build(session_factory, org_ids, step, br_id)
    if len(co_built) == 2:
        _co_build(session_factory, org_ids, co_built)
    pending_last = sorted(dated, key=lambda d: (d[1].outcome in ("pending", "co_build"), d[0]))
    _date(session_factory, pending_last, today or dt.date.today(), seed)
    log.info("demo history: %d build requests replayed", len(dated))
    return len(dated)
