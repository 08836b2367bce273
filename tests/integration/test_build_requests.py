"""Build requests and decisions on SpatiaLite and PostGIS, matched by the real R-tree engine."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from api.build_requests.schemas import BuildRequestDetailSchema
from registry.db.geometry import parse_geojson
from registry.db.uow import UnitOfWork
from registry.engine.matcher import Matcher
from registry.errors import Forbidden, IllegalTransition, ValidationFailed
from registry.workflow import build_requests, decisions, share_requests
from registry.workflow.models import MatchReport
from registry.workflow.queries import approver_queue, build_request_detail
from tests.workflow_factories import make_cable, make_parties, make_tower

SITE = {"type": "Point", "coordinates": [108.3665, 22.8172]}
ROUTE = {"type": "LineString", "coordinates": [[108.3602, 22.8101], [108.3695, 22.8101]]}
JUSTIFIED = "The tower's structure cannot carry our 3.5 GHz massive-MIMO panels."


@pytest.fixture
def cast(session_factory):
    return make_parties(session_factory)


@pytest.fixture
def matcher(session_factory):
    return Matcher(session_factory)


def _submit(session_factory, matcher, actor, **kw):
    body = {"geometry": SITE, "needs": {"antenna_mount": 1}, "radius_m": 500.0}
    body.update(kw)
    body["geometry"] = parse_geojson(body["geometry"])
    with UnitOfWork(session_factory, actor) as uow:
        return build_requests.submit_build_request(
            uow, matcher, purpose="5G coverage for Qingxiu district", **body
        )


def _decide(session_factory, actor, br_id, decision, **kw):
    with UnitOfWork(session_factory, actor) as uow:
        return decisions.decide(uow, br_id, decision, **kw)


def _detail(session_factory, cast, br_id, actor=None):
    """The build request as the API shows it to the actor (an admin by default)."""
    with session_factory() as session:
        detail = build_request_detail(session, actor or cast.admin, br_id)[0]
        return BuildRequestDetailSchema().dump(detail)


def test_a_site_is_matched_at_once_and_the_report_is_stored_unchanged(
    session_factory, matcher, cast
):
    tower = make_tower(session_factory, cast.owner_id)
    br = _submit(session_factory, matcher, cast.operator, min_height_m=30.0)
    detail = _detail(session_factory, cast, br.id)
    with session_factory() as session:
        (stored,) = session.scalars(sa.select(MatchReport)).all()
    again = matcher.match_site(build_requests.engine_request(br))
    # Reproducible: the same request at the same seq gives byte-identical JSON.
    assert json.dumps(stored.report, sort_keys=True) == json.dumps(again, sort_keys=True)
    assert stored.verdict == "share" and detail["verdict"] == "share"
    assert stored.registry_seq == again["registry_seq"] > 0
    assert stored.report["candidates"][0]["asset_id"] == tower
    assert detail["state"] == "pending"


def test_building_new_beside_a_feasible_share_needs_a_written_justification(
    session_factory, matcher, cast
):
    make_tower(session_factory, cast.owner_id)
    br = _submit(session_factory, matcher, cast.operator)
    with pytest.raises(ValidationFailed, match="justification"):
        _decide(session_factory, cast.approver, br.id, "approve_new_build", justification="ok")
    decided = _decide(
        session_factory, cast.approver, br.id, "approve_new_build", justification=JUSTIFIED
    )
    assert decided.decision == "approve_new_build"
    assert _detail(session_factory, cast, br.id)["state"] == "approved"


def test_building_new_where_nothing_can_be_shared_needs_no_justification(
    session_factory, matcher, cast
):
    br = _submit(session_factory, matcher, cast.operator)
    assert _detail(session_factory, cast, br.id)["verdict"] == "build_new"
    _decide(session_factory, cast.approver, br.id, "approve_new_build")
    with pytest.raises(IllegalTransition, match="approved"):
        _decide(session_factory, cast.approver, br.id, "reject", reason="changed my mind")


def test_requiring_a_share_opens_a_share_request_for_the_requester(session_factory, matcher, cast):
    tower = make_tower(session_factory, cast.owner_id)
    br = _submit(session_factory, matcher, cast.operator, min_height_m=30.0)
    decided = _decide(session_factory, cast.approver, br.id, "require_share")
    (share_id,) = decided.share_request_ids
    with session_factory() as session:
        sr = share_requests.get_share_request(session, share_id)
    assert (sr.asset_id, sr.requester_id, sr.owner_id, sr.state) == (
        tower,
        cast.operator_id,
        cast.owner_id,
        "pending",
    )
    assert (sr.build_request_id, sr.resource, sr.count, sr.min_height_m) == (
        br.id,
        "antenna_mount",
        1,
        30.0,
    )
    assert _detail(session_factory, cast, br.id)["state"] == "share_required"


def test_a_route_along_a_cable_shares_its_cores(session_factory, matcher, cast):
    cable = make_cable(session_factory, cast.owner_id)
    br = _submit(
        session_factory,
        matcher,
        cast.operator,
        geometry=ROUTE,
        needs={"fiber_core": 12},
        radius_m=None,
        corridor_m=30.0,
    )
    detail = _detail(session_factory, cast, br.id)
    assert (detail["kind"], detail["verdict"]) == ("route", "share")
    decided = _decide(session_factory, cast.approver, br.id, "require_share", asset_id=cable)
    with session_factory() as session:
        sr = share_requests.get_share_request(session, decided.share_request_ids[0])
    assert (sr.asset_id, sr.resource, sr.count) == (cable, "fiber_core", 12)


def test_a_question_pauses_the_clock_and_the_answer_moves_the_due_date(
    session_factory, matcher, cast
):
    br = _submit(session_factory, matcher, cast.operator)
    _decide(session_factory, cast.approver, br.id, "request_info", reason="Which band?")
    paused = _detail(session_factory, cast, br.id)
    assert paused["state"] == "info_requested" and paused["paused_at"]
    with UnitOfWork(session_factory, cast.operator) as uow:
        answered = build_requests.respond(uow, br.id, "n78, 3.5 GHz")
    paused_for = answered.updated_at - dt.datetime.fromisoformat(paused["paused_at"])
    moved = answered.due_at - dt.datetime.fromisoformat(paused["due_at"])
    assert answered.state == "pending" and answered.paused_at is None
    assert abs(moved - paused_for) < dt.timedelta(milliseconds=5)


def test_a_rematch_keeps_the_old_report_beside_the_new_one(session_factory, matcher, cast):
    tower = make_tower(session_factory, cast.owner_id, heights=(40,))
    br = _submit(session_factory, matcher, cast.operator)
    other = _submit(session_factory, matcher, cast.operator)
    _decide(session_factory, cast.approver, other.id, "require_share", asset_id=tower)
    with UnitOfWork(session_factory, cast.approver) as uow:
        build_requests.rematch(uow, matcher, br.id)
    reports = _detail(session_factory, cast, br.id)["reports"]
    assert [(r["trigger"], r["verdict"]) for r in reports] == [
        ("submit", "share"),
        ("rematch", "build_new"),
    ]
    assert reports[1]["registry_seq"] > reports[0]["registry_seq"]


def test_only_approvers_decide_and_the_queue_is_oldest_first(session_factory, matcher, cast):
    first = _submit(session_factory, matcher, cast.operator)
    second = _submit(session_factory, matcher, cast.operator)
    with pytest.raises(Forbidden):
        _decide(session_factory, cast.operator, first.id, "approve_new_build")
    with session_factory() as session:
        items, total = approver_queue(session, cast.approver)
    assert [i.row.id for i in items] == [first.id, second.id] and total == 2
    assert items[0].verdict == "build_new"


def test_a_bad_request_is_a_422_naming_the_field(session_factory, matcher, cast):
    with pytest.raises(ValidationFailed, match="needs"):
        _submit(session_factory, matcher, cast.operator, needs={"fiber_core": 12})
    with pytest.raises(ValidationFailed, match="radius_m"):
        _submit(session_factory, matcher, cast.operator, radius_m=None)


def test_a_confidential_candidate_is_withheld_from_the_requester_but_kept_in_the_record(
    session_factory, matcher, cast
):
    make_tower(session_factory, cast.owner_id, sensitivity="confidential")
    br = _submit(session_factory, matcher, cast.operator)
    seen = _detail(session_factory, cast, br.id, cast.operator)["reports"][0]["report"]
    record = _detail(session_factory, cast, br.id)["reports"][0]["report"]
    assert seen["candidates"] == [] and seen["hidden_candidates"]["count"] == 1
    assert seen["hidden_candidates"]["ask"][0]["owner_id"] == cast.owner_id
    assert record["candidates"][0]["sensitivity"] == "confidential"
