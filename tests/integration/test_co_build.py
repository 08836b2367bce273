"""Co-build groups on SpatiaLite and PostGIS: forming, joining, seeing, deciding."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from shapely.geometry import box, shape

from api.co_build.schemas import CoBuildGroupSchema
from matching.requests import SiteRequest
from registry.db.uow import Actor, UnitOfWork
from registry.engine.matcher import Matcher
from registry.errors import Forbidden, IllegalTransition, NotFound, ValidationFailed
from registry.inventory.capacity import held_units
from registry.inventory.models import Allocation, Asset
from registry.planning import co_build_decision, co_build_queries
from registry.planning.rules import current_rules
from registry.workflow.models import Decision, MatchReport
from tests.planning_factories import (
    ROUTE,
    ROUTE_ALONG,
    SITE,
    SITE_FAR,
    SITE_NEAR,
    make_operator,
    submit,
)
from tests.workflow_factories import make_parties, make_tower

FAR = box(100, 10, 101, 11)  # an approver's area nowhere near Nanning


@pytest.fixture
def cast(session_factory):
    return make_parties(session_factory)


@pytest.fixture
def matcher(session_factory):
    return Matcher(session_factory)


@pytest.fixture
def unicom(session_factory):
    return make_operator(session_factory, "China Unicom Nanning")


def _verdict(session_factory, br_id) -> str:
    with session_factory() as session:
        stmt = sa.select(MatchReport.verdict).where(MatchReport.build_request_id == br_id)
        return session.scalars(stmt).one()


def _groups(session_factory, actor):
    """The groups the actor may see, as the API shows them."""
    with session_factory() as session:
        return CoBuildGroupSchema(many=True).dump(co_build_queries.list_groups(session, actor)[0])


def test_two_operators_planning_sites_100_m_apart_form_a_group(
    session_factory, matcher, cast, unicom
):
    first = submit(session_factory, matcher, cast.operator)
    second = submit(session_factory, matcher, unicom, geometry=SITE_NEAR)
    (group,) = _groups(session_factory, cast.admin)
    assert group["build_request_ids"] == [first.id, second.id]
    assert group["kind"] == "site" and group["sites"] == 2 and group["state"] == "open"
    assert group["saving"] == current_rules().costs.new_tower  # one tower instead of two
    assert _verdict(session_factory, second.id) == "co_build"


@pytest.mark.parametrize(
    "kw",
    [
        {"geometry": SITE_FAR},  # 1 km away
        {"wanted": dt.date(2028, 1, 1)},  # ten months later
        {"wanted": None},  # no date: no overlap in time can be shown
    ],
    ids=["far", "later", "undated"],
)
def test_requests_apart_in_space_or_time_form_no_group(session_factory, matcher, cast, unicom, kw):
    submit(session_factory, matcher, cast.operator)
    second = submit(session_factory, matcher, unicom, **kw)
    assert _groups(session_factory, cast.admin) == []
    assert _verdict(session_factory, second.id) == "build_new"


def test_one_organisations_own_requests_never_form_a_group(session_factory, matcher, cast):
    submit(session_factory, matcher, cast.operator)
    submit(session_factory, matcher, cast.operator, geometry=SITE_NEAR)
    assert _groups(session_factory, cast.admin) == []


def test_a_third_operator_joins_the_open_group(session_factory, matcher, cast, unicom):
    submit(session_factory, matcher, cast.operator)
    submit(session_factory, matcher, unicom, geometry=SITE_NEAR)
    telecom = make_operator(session_factory, "China Telecom Nanning")
    third = submit(session_factory, matcher, telecom, geometry=SITE)
    (group,) = _groups(session_factory, cast.admin)
    assert third.id in group["build_request_ids"] and group["sites"] == 3
    assert _verdict(session_factory, third.id) == "co_build"


def test_routes_sharing_a_stretch_form_a_group_with_the_shared_length(
    session_factory, matcher, cast, unicom
):
    submit(session_factory, matcher, cast.operator, geometry=ROUTE)
    submit(session_factory, matcher, unicom, geometry=ROUTE_ALONG)
    (group,) = _groups(session_factory, cast.admin)
    # ROUTE ends at 108.3695, ROUTE_ALONG starts at 108.3631: 0.0064° ≈ 656 m.
    assert group["shared_m"] == pytest.approx(656, rel=0.02)


def test_an_existing_structure_to_share_beats_co_building(session_factory, matcher, cast, unicom):
    make_tower(session_factory, cast.owner_id, lon=108.3666, lat=22.8172)
    submit(session_factory, matcher, cast.operator)
    second = submit(session_factory, matcher, unicom, geometry=SITE_NEAR)
    assert _verdict(session_factory, second.id) == "share"
    assert len(_groups(session_factory, cast.admin)) == 1  # still grouped, for the approver


def test_members_and_approvers_in_the_area_see_a_group_others_do_not(
    session_factory, matcher, cast, unicom
):
    submit(session_factory, matcher, cast.operator)
    submit(session_factory, matcher, unicom, geometry=SITE_NEAR)
    outsider = make_operator(session_factory, "Outsider Telecom")
    far_area, near_area = FAR, box(108.3, 22.8, 108.4, 22.9)
    far = Actor(
        "far approver", cast.approver.org_id, frozenset({"approver"}), jurisdiction=far_area
    )
    near = Actor(
        "near approver", cast.approver.org_id, frozenset({"approver"}), jurisdiction=near_area
    )
    assert len(_groups(session_factory, cast.operator)) == 1
    assert len(_groups(session_factory, near)) == 1
    assert _groups(session_factory, far) == []
    assert _groups(session_factory, outsider) == []
    (mine,) = _groups(session_factory, cast.operator)
    assert [m["mine"] for m in mine["members"]] == [True, False]


def _decide(session_factory, actor, group_id, builder_id, **kw):
    with UnitOfWork(session_factory, actor) as uow:
        return co_build_decision.decide_co_build(uow, group_id, builder_id, "Build once", **kw)


def test_deciding_co_build_plans_one_asset_and_reserves_the_tenants_capacity(
    session_factory, matcher, cast, unicom
):
    first = submit(session_factory, matcher, cast.operator)
    second = submit(
        session_factory, matcher, unicom, geometry=SITE_NEAR, needs={"antenna_mount": 2}
    )
    (group,) = _groups(session_factory, cast.admin)
    _decide(session_factory, cast.approver, group["id"], first.id, planned_date="2027-02-15")
    (decided,) = _groups(session_factory, cast.admin)
    assert decided["state"] == "decided" and decided["builder_request_id"] == first.id
    roles = {m["build_request_id"]: m["role"] for m in decided["members"]}
    assert roles == {first.id: "builder", second.id: "tenant"}
    with session_factory() as session:
        asset = session.get(Asset, decided["planned_asset_id"])
        assert (asset.owner_id, asset.status, asset.kind) == (cast.operator_id, "planned", "tower")
        assert asset.attributes["planned_date"] == "2027-02-15"
        assert asset.capacities[0].total == 3  # one mount for the builder, two for the tenant
        (alloc,) = session.scalars(sa.select(Allocation)).all()
        assert (alloc.tenant_id, alloc.state, len(alloc.units)) == (unicom.org_id, "reserved", 2)
        assert len(held_units(session, [asset.id])[(asset.id, "antenna_mount")]) == 2
        states = {d.build_request_id: d.decision for d in session.scalars(sa.select(Decision))}
    assert states == {first.id: "co_build", second.id: "co_build"}


def test_a_group_is_decided_once_by_an_approver_naming_a_member(
    session_factory, matcher, cast, unicom
):
    first = submit(session_factory, matcher, cast.operator)
    submit(session_factory, matcher, unicom, geometry=SITE_NEAR)
    (group,) = _groups(session_factory, cast.admin)
    with pytest.raises(Forbidden):
        _decide(session_factory, cast.operator, group["id"], first.id)
    with pytest.raises(ValidationFailed, match="builder_request_id"):
        _decide(session_factory, cast.approver, group["id"], 999)
    far = Actor("far", cast.approver.org_id, frozenset({"approver"}), jurisdiction=FAR)
    with pytest.raises(NotFound):
        _decide(session_factory, far, group["id"], first.id)
    _decide(session_factory, cast.approver, group["id"], first.id)
    with pytest.raises(IllegalTransition):
        _decide(session_factory, cast.approver, group["id"], first.id)


def test_a_planned_asset_is_matched_as_existing_from_its_planned_date(
    session_factory, matcher, cast, unicom
):
    first = submit(session_factory, matcher, cast.operator)
    submit(session_factory, matcher, unicom, geometry=SITE_NEAR)
    (group,) = _groups(session_factory, cast.admin)
    today = dt.date.today()
    _decide(session_factory, cast.approver, group["id"], first.id, planned_date=today.isoformat())
    body = SiteRequest(location=shape(SITE), radius_m=200.0, needs={"antenna_mount": 1})
    report = Matcher(session_factory).match_site(body)
    assert [c["asset_id"] for c in report["candidates"]] == [_planned(session_factory)]


def test_a_planned_asset_with_a_future_date_is_not_matched(session_factory, matcher, cast, unicom):
    first = submit(session_factory, matcher, cast.operator)
    submit(session_factory, matcher, unicom, geometry=SITE_NEAR)
    (group,) = _groups(session_factory, cast.admin)
    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    _decide(session_factory, cast.approver, group["id"], first.id, planned_date=later)
    body = SiteRequest(location=shape(SITE), radius_m=200.0, needs={"antenna_mount": 1})
    assert list(Matcher(session_factory).match_site(body)["candidates"]) == []


def _planned(session_factory) -> int:
    with session_factory() as session:
        return session.scalars(sa.select(Asset.id).where(Asset.status == "planned")).one()
