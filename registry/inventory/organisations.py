"""Organisation services: create, change and delete owners, operators and approvers."""

from __future__ import annotations

import sqlalchemy as sa

from registry.access import rules
from registry.db.uow import UnitOfWork
from registry.errors import Conflict, InUse, NotFound, ValidationFailed
from registry.inventory.changes import OrganisationChanges
from registry.inventory.models import Allocation, Asset, Organisation
from registry.inventory.validation import choice
from registry.inventory.vocabulary import Sector


def snapshot(org: Organisation) -> dict:
    """The audit/JSON view of an organisation."""
    return {"id": org.id, "name": org.name, "sector": org.sector, "contact": org.contact}


def _clean(values: dict) -> dict:
    out = {}
    if "name" in values:
        name = values["name"]
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise ValidationFailed("name", "must be a non-empty string of at most 200 characters")
        out["name"] = name.strip()
    if "sector" in values:
        out["sector"] = choice(Sector, values["sector"], "sector").value
    if "contact" in values:
        contact = values["contact"]
        if contact is not None and (not isinstance(contact, str) or len(contact) > 200):
            raise ValidationFailed("contact", "must be a string of at most 200 characters")
        out["contact"] = contact
    return out


def _check_unique_name(uow: UnitOfWork, name: str, except_id: int | None = None) -> None:
    stmt = sa.select(Organisation.id).where(Organisation.name == name)
    found = uow.session.scalar(stmt)
    if found is not None and found != except_id:
        raise Conflict(f"an organisation named {name!r} exists already", field="name")


def create_organisation(uow: UnitOfWork, name: str, sector: str, contact=None) -> Organisation:
    """Create an organisation; returns it. Raises Conflict on a duplicate name."""
    rules.require_admin(uow.actor, "create an organisation")
    values = _clean({"name": name, "sector": sector, "contact": contact})
    _check_unique_name(uow, values["name"])
    org = Organisation(**values)
    uow.session.add(org)
    uow.session.flush()
    uow.audit("organisation", org.id, "create", after=snapshot(org))
    uow.commit()
    return org


def get_organisation(session, org_id: int) -> Organisation:
    """The organisation with this id, or NotFound."""
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"organisation {org_id} does not exist", field="id")
    return org


def update_organisation(uow: UnitOfWork, org_id: int, changes: OrganisationChanges) -> Organisation:
    """Change what `changes` gives of name, sector and contact; returns the organisation."""
    rules.require_admin(uow.actor, "change an organisation")
    org = get_organisation(uow.session, org_id)
    values = _clean(changes.given())
    if "name" in values:
        _check_unique_name(uow, values["name"], except_id=org.id)
    before = snapshot(org)
    for key, value in values.items():
        setattr(org, key, value)
    uow.audit("organisation", org.id, "update", before=before, after=snapshot(org))
    uow.commit()
    return org


def delete_organisation(uow: UnitOfWork, org_id: int) -> None:
    """Delete an organisation that owns no assets and holds no allocations."""
    rules.require_admin(uow.actor, "delete an organisation")
    org = get_organisation(uow.session, org_id)
    owns = uow.session.scalar(sa.select(sa.func.count()).where(Asset.owner_id == org_id))
    holds = uow.session.scalar(sa.select(sa.func.count()).where(Allocation.tenant_id == org_id))
    if owns or holds:
        raise InUse(
            f"organisation {org_id} owns {owns} assets and has {holds} allocations; "
            "delete or transfer those first",
            field="id",
        )
    uow.audit("organisation", org.id, "delete", before=snapshot(org))
    uow.session.delete(org)
    uow.commit()


def list_organisations(session, sector=None, limit=100, offset=0):
    """(organisations ordered by id, total count), optionally of one sector."""
    conds = [Organisation.sector == sector] if sector else []
    total = session.scalar(sa.select(sa.func.count()).select_from(Organisation).where(*conds))
    stmt = sa.select(Organisation).where(*conds).order_by(Organisation.id)
    return list(session.scalars(stmt.limit(limit).offset(offset))), total
