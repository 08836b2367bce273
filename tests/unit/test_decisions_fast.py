"""Decision rules run on a fake unit of work with a fixed clock: milliseconds, no database."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import Point, box

from registry.access import tokens
from registry.db.uow import Actor
from registry.errors import Forbidden, IllegalTransition, NotFound, ValidationFailed
from registry.inventory import organisations
from registry.workflow import build_requests, decisions
from registry.workflow.fallthrough import share_ended_unagreed
from registry.workflow.models import BuildRequest, MatchReport, ShareRequest
from tests.fakes import FakeUnitOfWork, FixedClock

NOON = dt.datetime(2026, 6, 3, 12, tzinfo=dt.UTC)  # a Wednesday
NATIONAL = Actor("MIIT/clerk", org_id=9, roles=frozenset({"approver"}))
REGIONAL = Actor(
    "Nanning/clerk", org_id=8, roles=frozenset({"approver"}), jurisdiction=box(108, 22, 109, 23)
)
OPERATOR = Actor("China Mobile/planner", org_id=2, roles=frozenset({"operator"}))


def _uow(actor, state="pending", verdict="share", at=(108.4, 22.8)):
    uow = FakeUnitOfWork(actor, FixedClock(NOON))
    br = BuildRequest(
        requester_id=2,
        kind="site",
        geom=Point(*at),
        needs={"antenna_mount": 1},
        radius_m=500.0,
        purpose="5G infill",
        state=state,
        due_at=NOON + dt.timedelta(days=120),
        created_at=NOON,
        updated_at=NOON,
    )
    uow.session.add(br)
    report = {"verdict": verdict, "candidates": [{"asset_id": 5}]}
    uow.session.add(
        MatchReport(build_request_id=br.id, registry_seq=1, verdict=verdict, report=report)
    )
    return uow, br


def test_a_29_character_justification_is_refused_and_30_accepted():
    uow, br = _uow(NATIONAL)
    with pytest.raises(ValidationFailed, match="at least 30 characters"):
        decisions.decide(uow, br.id, "approve_new_build", justification="j" * 29)
    assert br.state == "pending" and uow.commits == 0
    row = decisions.decide(uow, br.id, "approve_new_build", justification="j" * 30)
    assert (br.state, row.decision, br.decided_at) == ("approved", "approve_new_build", NOON)


def test_building_new_beside_a_partial_share_needs_a_justification_too():
    uow, br = _uow(NATIONAL, verdict="partial_share")
    with pytest.raises(ValidationFailed, match="verdict partial_share"):
        decisions.decide(uow, br.id, "approve_new_build", justification="too short")
    assert br.state == "pending" and uow.commits == 0


def test_building_new_where_nothing_can_be_shared_needs_no_justification():
    uow, br = _uow(NATIONAL, verdict="build_new")
    row = decisions.decide(uow, br.id, "approve_new_build")
    assert (br.state, row.decision) == ("approved", "approve_new_build")


def test_the_decision_is_stamped_with_the_units_clock():
    uow, br = _uow(NATIONAL, verdict="build_new")
    uow.clock.advance(days=3, hours=2)
    row = decisions.decide(uow, br.id, "reject", reason="not in the city plan")
    assert row.created_at == br.decided_at == NOON + dt.timedelta(days=3, hours=2)
    assert [a[2] for a in uow.audits] == ["create", "reject"]


def test_a_regional_approver_finds_no_request_outside_its_area():
    uow, br = _uow(REGIONAL, at=(110.29, 25.27))
    with pytest.raises(NotFound):
        decisions.decide(uow, br.id, "reject", reason="not ours")


def test_an_operator_may_not_decide():
    uow, br = _uow(OPERATOR)
    with pytest.raises(Forbidden):
        decisions.decide(uow, br.id, "reject", reason="mine")


def test_a_fallen_through_share_returns_the_request_with_a_fresh_clock():
    uow, br = _uow(NATIONAL, state="share_required")
    sr = ShareRequest(id=31, build_request_id=br.id, state="rejected")
    uow.clock.advance(days=10)
    share_ended_unagreed(uow, sr, uow.now(), "the owner rejected it (safety)")
    assert br.state == "pending" and br.decided_at is None
    assert br.due_at > uow.now() + dt.timedelta(days=100)  # four months from the return
    (entry,) = uow.audits
    assert entry[2] == "share_fell_through" and "share request 31" in entry[5]


def test_a_decided_request_cannot_be_decided_again():
    uow, br = _uow(NATIONAL, state="approved")
    with pytest.raises(IllegalTransition, match="is approved"):
        decisions.decide(uow, br.id, "reject", reason="changed our mind")


def test_the_requester_answers_a_question_and_the_clock_moves_by_the_pause():
    uow, br = _uow(OPERATOR, state="info_requested")
    br.paused_at = NOON
    uow.clock.advance(days=5)
    build_requests.respond(uow, br.id, "The mast must be 35 m high.")
    assert br.state == "pending" and br.due_at == NOON + dt.timedelta(days=125)


@pytest.mark.parametrize("actor", [NATIONAL, REGIONAL, OPERATOR])
def test_only_an_admin_administers_organisations_and_tokens(actor):
    uow = FakeUnitOfWork(actor, FixedClock(NOON))
    with pytest.raises(Forbidden, match="only an admin"):
        organisations.create_organisation(uow, "Shadow Org", "other")
    with pytest.raises(Forbidden, match="only an admin"):
        organisations.delete_organisation(uow, 1)
    with pytest.raises(Forbidden, match="only an admin"):
        tokens.create_token(uow, "Shadow Org", "admin", dt.timedelta(days=1))
    with pytest.raises(Forbidden, match="only an admin"):
        tokens.revoke_token(uow, 1)
    assert uow.audits == [] and uow.commits == 0
