"""Deadlines and audit history on SpatiaLite and PostGIS: who must act by when, who did what."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from registry.db.uow import Actor
from registry.errors import Forbidden
from registry.history import audit
from registry.inventory.models import AuditEntry
from registry.workflow.calendar import Calendar
from registry.workflow.deadlines import due_items
from tests.workflow_factories import act, make_cable, make_parties, request_share


@pytest.fixture
def cast(session_factory):
    return make_parties(session_factory)


def test_an_owner_sees_the_answer_it_owes_within_a_month(session_factory, cast):
    cable = make_cable(session_factory, cast.owner_id)
    rid = request_share(
        session_factory, cast.operator, asset_id=cable, resource="fiber_core", count=1
    )
    calendar = Calendar()
    with session_factory() as session:
        assert due_items(session, cast.owner, calendar, within_days=7) == []
        (item,) = due_items(session, cast.owner, calendar, within_days=40)
        (waiting,) = due_items(session, cast.operator, calendar, within_days=40)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=29, hours=23)
        (soon,) = due_items(session, cast.admin, calendar, within_days=7, now=later)
    assert (item.object_type, item.object_id, item.party, item.must_act) == (
        "share_request",
        rid,
        "owner",
        True,
    )
    assert (waiting.party, waiting.must_act) == ("requester", False)
    assert not soon.overdue and soon.org_id == cast.owner_id


def test_an_answered_request_owes_nothing(session_factory, cast):
    cable = make_cable(session_factory, cast.owner_id)
    rid = request_share(
        session_factory, cast.operator, asset_id=cable, resource="fiber_core", count=1
    )
    act(session_factory, cast.owner, "accept", rid, "CT-1", "core_lease")
    with session_factory() as session:
        assert due_items(session, cast.owner, Calendar(), within_days=400) == []


def test_an_organisation_cannot_list_another_ones_deadlines(session_factory, cast):
    with session_factory() as session, pytest.raises(Forbidden):
        due_items(session, cast.operator, Calendar(), org_id=cast.owner_id)


def test_the_history_of_a_request_is_readable_by_its_parties_only(session_factory, cast):
    cable = make_cable(session_factory, cast.owner_id)
    rid = request_share(
        session_factory, cast.operator, asset_id=cable, resource="fiber_core", count=1
    )
    act(session_factory, cast.owner, "reject", rid, "no_capacity", "all cores planned for FTTH")
    with session_factory() as session:
        entries, total = audit.history(
            session, cast.operator, *audit.parse_object(f"share_request:{rid}")
        )
        assert total == 2
        assert [(e.action, e.reason) for e in entries] == [
            ("create", "5G backhaul for site NN-0001"),
            ("reject", "no_capacity: all cores planned for FTTH"),
        ]
        stranger = Actor("China Unicom/ops", 999, frozenset({"operator"}))
        with pytest.raises(Forbidden):
            audit.history(session, stranger, "share_request", str(rid))
        with pytest.raises(Forbidden):
            audit.history(session, cast.operator, "asset", str(cable))
        assert audit.history(session, stranger) == ([], 0)
        everything_mine, _ = audit.history(session, cast.operator)
        assert {(e.object_type, e.object_id) for e in everything_mine} == {
            ("share_request", str(rid))
        }


def test_the_database_refuses_to_rewrite_history(session_factory, cast):
    make_cable(session_factory, cast.owner_id)
    with session_factory() as session:
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            session.execute(sa.update(AuditEntry).values(actor="someone else"))
        session.rollback()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            session.execute(sa.delete(AuditEntry))
