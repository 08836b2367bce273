"""Typed changes the API hands services: PATCH keeps what it does not name, null removes."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import LineString, Point

from api.assets.schemas import FeaturePatchSchema, asset_at_ref
from api.build_requests.schemas import BuildRequestCreateSchema
from api.organisations.schemas import OrganisationPatchSchema
from registry.db.uow import Actor
from registry.errors import Forbidden, InvalidGeometry, ValidationFailed
from registry.inventory import organisations
from registry.inventory.changes import UNSET, AssetPatch, OrganisationChanges
from registry.inventory.models import Organisation
from registry.inventory.vocabulary import Sector
from tests.fakes import FakeUnitOfWork, FixedClock

POINT = {"type": "Point", "coordinates": [108.3, 22.8]}


def tower(**props) -> dict:
    base = {"kind": "tower", "owner_id": 1, "owner_ref": "T1", "status": "in_service"}
    capacity = {"antenna_mount": {"total": 3, "heights": [20.0, 25.0, 30.0]}}
    properties = {**base, "height_m": 30.0, "structure": "lattice", "capacity": capacity}
    return {"type": "Feature", "geometry": POINT, "properties": {**properties, **props}}


def test_an_empty_patch_changes_nothing():
    assert AssetPatch().applied_to(tower()) == tower()
    assert AssetPatch().property_changes() == {}


def test_a_null_attribute_is_removed_and_an_unnamed_one_kept():
    patched = AssetPatch(attributes={"structure": None, "height_m": 42}).applied_to(tower())
    assert "structure" not in patched["properties"]
    assert patched["properties"]["height_m"] == 42
    assert patched["properties"]["capacity"] == tower()["properties"]["capacity"]


def test_a_field_set_to_null_is_removed_but_an_unset_one_is_kept():
    patched = AssetPatch(status=None).applied_to(tower())
    assert "status" not in patched["properties"]  # validation then takes the default
    assert AssetPatch(owner_ref="T2").applied_to(tower())["properties"]["status"] == "in_service"


def test_capacity_is_merged_per_resource_and_field():
    patch = AssetPatch(capacity={"antenna_mount": {"heights": None}})
    assert patch.applied_to(tower())["properties"]["capacity"] == {"antenna_mount": {"total": 3}}
    assert "capacity" not in AssetPatch(capacity=None).applied_to(tower())["properties"]


def test_a_new_geometry_replaces_the_old_one_whole():
    line = {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}
    current = tower()
    current["geometry"] = {"type": "Point", "coordinates": [1, 2], "bbox": [1, 2, 1, 2]}
    assert AssetPatch(geometry=line).applied_to(current)["geometry"] == line


def test_applying_a_patch_changes_neither_the_feature_nor_the_patch():
    current, capacity = tower(), {"antenna_mount": {"total": 4}}
    patch = AssetPatch(capacity=capacity)
    patched = patch.applied_to(current)
    patched["properties"]["capacity"]["antenna_mount"]["total"] = 9
    assert current == tower() and capacity == {"antenna_mount": {"total": 4}}


@pytest.mark.parametrize(("given", "kept"), [(UNSET, True), (7, True), (8, False), (None, False)])
def test_a_patch_keeps_the_owner_only_if_it_names_none_or_the_same(given, kept):
    assert AssetPatch(owner_id=given).owner_kept(7) is kept


def test_an_asset_field_cannot_pass_as_an_attribute():
    with pytest.raises(ValueError, match="kind"):
        AssetPatch(attributes={"kind": "pole"})


def test_the_patch_schema_splits_fields_from_attributes():
    body = {"properties": {"kind": "pole", "height_m": None, "capacity": {"x": 1}, "owner_id": 3}}
    patch = FeaturePatchSchema().load(body)
    assert patch == AssetPatch(
        kind="pole", owner_id=3, capacity={"x": 1}, attributes={"height_m": None}
    )
    assert FeaturePatchSchema().load({"geometry": POINT}) == AssetPatch(geometry=POINT)


def test_organisation_changes_give_only_what_was_named_and_null_clears_the_contact():
    assert OrganisationChanges().given() == {}
    assert OrganisationChanges(contact=None).given() == {"contact": None}
    loaded = OrganisationPatchSchema().load({"sector": "power", "contact": None})
    assert loaded == OrganisationChanges(sector=Sector.POWER, contact=None)
    assert loaded.given() == {"sector": Sector.POWER, "contact": None}


def _org_uow(actor: Actor) -> tuple[FakeUnitOfWork, Organisation]:
    uow = FakeUnitOfWork(actor, FixedClock(dt.datetime(2026, 6, 3, 12, tzinfo=dt.UTC)))
    org = Organisation(name="Guangxi Power", sector="power", contact="ops@gx.example")
    uow.session.add(org)
    return uow, org


def test_an_organisation_change_touches_only_the_given_fields_and_is_audited():
    uow, org = _org_uow(Actor.system("admin"))
    changes = OrganisationChanges(sector=Sector.RAIL, contact=None)
    organisations.update_organisation(uow, org.id, changes)
    assert (org.name, org.sector, org.contact) == ("Guangxi Power", "rail", None)
    ((kind, _, action, before, after, _),) = uow.audits
    assert (kind, action, before["contact"], after["contact"]) == (
        "organisation",
        "update",
        "ops@gx.example",
        None,
    )
    assert uow.commits == 1


def test_only_an_admin_changes_an_organisation_even_with_nothing_to_change():
    uow, org = _org_uow(Actor("Guangxi Power/clerk", org_id=1, roles=frozenset({"owner"})))
    with pytest.raises(Forbidden, match="only an admin"):
        organisations.update_organisation(uow, org.id, OrganisationChanges())
    assert uow.audits == [] and uow.commits == 0


def test_a_put_by_ref_takes_its_owner_and_ref_from_the_url():
    feature = tower()
    del feature["properties"]["owner_id"], feature["properties"]["owner_ref"]
    data = asset_at_ref(feature, 5, "NNG-1")
    assert (data.owner_id, data.owner_ref) == (5, "NNG-1")
    with pytest.raises(ValidationFailed, match="URL's 'NNG-2'") as err:
        asset_at_ref(tower(owner_id=5, owner_ref="NNG-1"), 5, "NNG-2")
    assert err.value.field == "properties.owner_ref"


def test_a_build_request_geometry_is_parsed_into_shapely_at_the_edge():
    body = {"needs": {"antenna_mount": 1}, "purpose": "5G", "radius_m": 200}
    assert BuildRequestCreateSchema().load({**body, "geometry": POINT})["geometry"] == Point(
        108.3, 22.8
    )
    route = {"type": "LineString", "coordinates": [[108.3, 22.8], [108.4, 22.8]]}
    # A route's body: a corridor and route resources (a radius is refused for a route).
    cable = {"needs": {"fiber_core": 12}, "purpose": "fibre", "corridor_m": 50}
    loaded = BuildRequestCreateSchema().load({**cable, "geometry": route})["geometry"]
    assert isinstance(loaded, LineString)
    with pytest.raises(InvalidGeometry) as err:
        BuildRequestCreateSchema().load({**body, "geometry": {"type": "Point"}})
    assert err.value.field == "geometry"
