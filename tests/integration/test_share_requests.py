"""Share requests on SpatiaLite and PostGIS: holds, answers, expiry, core swaps, audit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from api.share_requests.schemas import ShareRequestSchema
from registry.db.uow import UnitOfWork
from registry.errors import CapacityExhausted, Forbidden, IllegalTransition, ValidationFailed
from registry.inventory import assets
from registry.inventory.capacity import capacity_views
from registry.inventory.changes import AssetPatch
from registry.inventory.models import Allocation, AuditEntry
from registry.workflow import expiry, share_requests
from registry.workflow.queries import share_request_views
from registry.workflow.share_holds import UnitAsk
from tests.workflow_factories import (
    SHORT_HOLD,
    act,
    an_hour_ago,
    make_cable,
    make_parties,
    make_tower,
    request_share,
)


@pytest.fixture
def cast(session_factory):
    return make_parties(session_factory)


def _free(session_factory, asset_id, resource):
    with session_factory() as session:
        asset = assets.get_asset(session, asset_id)
        view = next(v for v in capacity_views(session, [asset])[asset_id] if v.resource == resource)
        return view.free_units()


def _json(session_factory, request_id):
    """The share request as the API shows it."""
    with session_factory() as session:
        sr = share_requests.get_share_request(session, request_id)
        return ShareRequestSchema().dump(share_request_views(session, [sr])[0])


def _history(session_factory, object_type, object_id):
    with session_factory() as session:
        stmt = (
            sa.select(AuditEntry)
            .where(AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id))
            .order_by(AuditEntry.id)
        )
        return [
            (e.action, (e.before or {}).get("state"), (e.after or {}).get("state"))
            for e in session.scalars(stmt)
        ]


def test_asking_for_cores_13_to_24_holds_exactly_those_until_the_owner_accepts(
    session_factory, cast
):
    cable = make_cable(session_factory, cast.owner_id)
    rid = request_share(
        session_factory,
        cast.operator,
        asset_id=cable,
        resource="fiber_core",
        units=tuple(range(13, 25)),
    )
    held = _json(session_factory, rid)
    assert held["state"] == "pending" and held["units"] == list(range(13, 25))
    assert held["allocation_state"] == "reserved"
    assert not set(range(13, 25)) & set(_free(session_factory, cable, "fiber_core"))

    act(session_factory, cast.owner, "accept", rid, "CT-GX-2026-0042", "core_lease")
    accepted = _json(session_factory, rid)
    assert accepted["state"] == "accepted" and accepted["allocation_state"] == "active"
    assert accepted["agreement_ref"] == "CT-GX-2026-0042"
    assert accepted["sharing_mode"] == "core_lease"
    assert _history(session_factory, "share_request", rid) == [
        ("create", None, "pending"),
        ("accept", "pending", "accepted"),
    ]


def test_a_request_by_count_takes_free_mounts_at_the_height_asked(session_factory, cast):
    tower = make_tower(session_factory, cast.owner_id, heights=(40, 28, 35, 25))
    rid = request_share(
        session_factory,
        cast.operator,
        asset_id=tower,
        resource="antenna_mount",
        count=2,
        min_height_m=30,
    )
    assert _json(session_factory, rid)["units"] == [1, 3]
    with pytest.raises(CapacityExhausted):
        request_share(
            session_factory,
            cast.operator,
            asset_id=tower,
            resource="antenna_mount",
            count=1,
            min_height_m=30,
        )


def test_a_request_that_cannot_be_met_holds_nothing(session_factory, cast):
    cable = make_cable(session_factory, cast.owner_id, cores=4)
    with pytest.raises(CapacityExhausted):
        request_share(
            session_factory, cast.operator, asset_id=cable, resource="fiber_core", count=5
        )
    assert _free(session_factory, cable, "fiber_core") == [1, 2, 3, 4]
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Allocation)) == 0


def test_accepting_a_withdrawn_request_is_a_conflict_naming_its_state(session_factory, cast):
    cable = make_cable(session_factory, cast.owner_id)
    rid = request_share(
        session_factory, cast.operator, asset_id=cable, resource="fiber_core", count=2
    )
    act(session_factory, cast.operator, "withdraw", rid, "plan changed")
    with pytest.raises(IllegalTransition, match="withdrawn") as raised:
        act(session_factory, cast.owner, "accept", rid, "CT-1", "core_lease")
    assert raised.value.details["current_state"] == "withdrawn"
    assert _free(session_factory, cable, "fiber_core") == list(range(1, 49))


def test_only_the_owner_answers_and_only_the_requester_withdraws(session_factory, cast):
    cable = make_cable(session_factory, cast.owner_id)
    rid = request_share(
        session_factory, cast.operator, asset_id=cable, resource="fiber_core", count=1
    )
    with pytest.raises(Forbidden):
        act(session_factory, cast.operator, "accept", rid, "CT-1", "core_lease")
    with pytest.raises(Forbidden):
        act(session_factory, cast.owner, "withdraw", rid)
    act(session_factory, cast.admin, "reject", rid, "safety", "tower load limit reached")
    assert _json(session_factory, rid)["state"] == "rejected"


def test_a_rejection_needs_a_coded_reason_and_frees_the_hold(session_factory, cast):
    cable = make_cable(session_factory, cast.owner_id, cores=4)
    rid = request_share(
        session_factory, cast.operator, asset_id=cable, resource="fiber_core", count=4
    )
    with pytest.raises(ValidationFailed, match="reason_code"):
        act(session_factory, cast.owner, "reject", rid, "dont_like_them", "no")
    act(session_factory, cast.owner, "reject", rid, "reserved_for_own_plan", "our 2027 FTTH build")
    rejected = _json(session_factory, rid)
    assert (rejected["reason_code"], rejected["allocation_state"]) == (
        "reserved_for_own_plan",
        "released",
    )
    assert _free(session_factory, cable, "fiber_core") == [1, 2, 3, 4]


def test_releasing_an_accepted_share_frees_its_units(session_factory, cast):
    cable = make_cable(session_factory, cast.owner_id, cores=4)
    rid = request_share(
        session_factory, cast.operator, asset_id=cable, resource="fiber_core", count=3
    )
    act(session_factory, cast.owner, "accept", rid, "CT-7", "same_cable_separate_cores")
    assert _free(session_factory, cable, "fiber_core") == [4]
    act(session_factory, cast.operator, "release", rid, "decommissioned the link")
    assert _json(session_factory, rid)["state"] == "released"
    assert _free(session_factory, cable, "fiber_core") == [1, 2, 3, 4]


def test_a_lapsed_hold_is_free_at_once_and_the_job_marks_it_expired(session_factory, cast):
    cable = make_cable(session_factory, cast.owner_id, cores=4)
    rid = request_share(
        session_factory,
        cast.operator,
        asset_id=cable,
        resource="fiber_core",
        count=4,
        hold=SHORT_HOLD,
        clock=an_hour_ago,  # placed an hour ago: its hold has lapsed
    )
    assert _free(session_factory, cable, "fiber_core") == [1, 2, 3, 4]
    assert _json(session_factory, rid)["state"] == "expired"
    with UnitOfWork(session_factory, cast.admin) as uow:
        assert expiry.expire_lapsed(uow) == (1, 0)
    with UnitOfWork(session_factory, cast.admin) as uow:
        assert expiry.expire_lapsed(uow) == (0, 0)
    assert _json(session_factory, rid)["allocation_state"] == "expired"
    assert _history(session_factory, "share_request", rid)[-1] == ("expire", "pending", "expired")


def test_accepting_after_the_hold_lapsed_is_refused_and_the_request_is_expired(
    session_factory, cast
):
    cable = make_cable(session_factory, cast.owner_id)
    rid = request_share(
        session_factory,
        cast.operator,
        asset_id=cable,
        resource="fiber_core",
        count=2,
        hold=SHORT_HOLD,
        clock=an_hour_ago,  # placed an hour ago: its hold has lapsed
    )
    with pytest.raises(IllegalTransition, match="expired"):
        act(session_factory, cast.owner, "accept", rid, "CT-9", "core_lease")
    assert _history(session_factory, "share_request", rid)[-1] == ("expire", "pending", "expired")


def _swap(session_factory, cast, mine_cores=48):
    theirs = make_cable(session_factory, cast.owner_id, cores=48)
    mine = make_cable(session_factory, cast.operator_id, cores=mine_cores, lon=108.40)
    swap = UnitAsk(asset_id=mine, resource="fiber_core", units=(1, 2, 3, 4))
    return theirs, mine, swap


def test_a_core_swap_accepted_activates_both_sides_at_once(session_factory, cast):
    theirs, mine, swap = _swap(session_factory, cast)
    rid = request_share(
        session_factory, cast.operator, asset_id=theirs, resource="fiber_core", count=4, swap=swap
    )
    act(session_factory, cast.owner, "accept", rid, "SWAP-2026-001")
    accepted = _json(session_factory, rid)
    assert accepted["sharing_mode"] == "core_swap"
    assert accepted["swap"]["units"] == [1, 2, 3, 4]
    with session_factory() as session:
        holds = session.scalars(sa.select(Allocation).order_by(Allocation.id)).all()
        assert [(a.asset_id, a.tenant_id, a.state) for a in holds] == [
            (theirs, cast.operator_id, "active"),
            (mine, cast.owner_id, "active"),
        ]


def test_a_core_swap_rejected_releases_both_sides(session_factory, cast):
    theirs, mine, swap = _swap(session_factory, cast)
    rid = request_share(
        session_factory, cast.operator, asset_id=theirs, resource="fiber_core", count=4, swap=swap
    )
    act(session_factory, cast.owner, "reject", rid, "technically_unsuitable", "cores too lossy")
    assert len(_free(session_factory, theirs, "fiber_core")) == 48
    assert len(_free(session_factory, mine, "fiber_core")) == 48


def test_a_core_swap_with_one_side_full_holds_neither(session_factory, cast):
    theirs, mine, _ = _swap(session_factory, cast, mine_cores=2)
    swap = UnitAsk(asset_id=mine, resource="fiber_core", count=4)
    with pytest.raises(CapacityExhausted):
        request_share(
            session_factory,
            cast.operator,
            asset_id=theirs,
            resource="fiber_core",
            count=4,
            swap=swap,
        )
    assert len(_free(session_factory, theirs, "fiber_core")) == 48


def test_a_core_swap_exchanges_equal_numbers_of_cores(session_factory, cast):
    theirs, _, swap = _swap(session_factory, cast)
    with pytest.raises(ValidationFailed, match="equal numbers"):
        request_share(
            session_factory,
            cast.operator,
            asset_id=theirs,
            resource="fiber_core",
            count=6,
            swap=swap,
        )


def test_an_admin_names_the_requester_but_an_operator_cannot_speak_for_another(
    session_factory, cast
):
    cable = make_cable(session_factory, cast.owner_id)
    with UnitOfWork(session_factory, cast.admin) as uow:
        sr = share_requests.create_share_request(
            uow,
            UnitAsk(cable, "fiber_core", count=1),
            "on behalf",
            requester_org_id=cast.operator_id,
        )
    assert sr.requester_id == cast.operator_id
    with UnitOfWork(session_factory, cast.operator) as uow, pytest.raises(Forbidden):
        share_requests.create_share_request(
            uow, UnitAsk(cable, "fiber_core", count=1), "sneaky", requester_org_id=cast.owner_id
        )


def test_every_action_is_audited_with_actor_and_request_id(session_factory, cast):
    cable = make_cable(session_factory, cast.owner_id)
    rid = request_share(
        session_factory, cast.operator, asset_id=cable, resource="fiber_core", count=1
    )
    act(session_factory, cast.operator, "withdraw", rid, "not needed")
    with session_factory() as session:
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "withdraw")).one()
    assert (entry.actor, entry.request_id, entry.reason) == (
        "China Mobile Nanning/planner",
        "test-req",
        "not needed",
    )
    assert (entry.before["state"], entry.after["state"]) == ("pending", "withdrawn")


def test_nobody_asks_for_a_decommissioned_asset_or_heights_on_cores(session_factory, cast):
    cable = make_cable(session_factory, cast.owner_id)
    with pytest.raises(ValidationFailed, match="min_height_m"):
        request_share(
            session_factory,
            cast.operator,
            asset_id=cable,
            resource="fiber_core",
            count=1,
            min_height_m=30,
        )
    with UnitOfWork(session_factory, cast.admin) as uow:
        assets.update_asset(uow, cable, AssetPatch(status="decommissioned"))
    with pytest.raises(ValidationFailed, match="decommissioned"):
        request_share(
            session_factory, cast.operator, asset_id=cable, resource="fiber_core", count=1
        )
