"""Load generated or converted seed data (organisations, features, allocations), idempotently."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice

import sqlalchemy as sa

from registry.db.uow import UnitOfWork
from registry.inventory import allocations, bulk
from registry.inventory.models import Organisation
from registry.inventory.validation import parse_asset_feature

log = logging.getLogger(__name__)

BATCH_SIZE = 2000


@dataclass
class SeedSummary:
    """What a seed run did."""

    organisations_created: int = 0
    counts: dict = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    allocations_created: int = 0

    def line(self) -> str:
        c = self.counts
        return (
            f"organisations created {self.organisations_created}; assets created {c['created']}, "
            f"updated {c['updated']}, unchanged {c['unchanged']}; "
            f"allocations created {self.allocations_created}"
        )


def ensure_organisations(uow: UnitOfWork, specs) -> tuple[dict[str, int], int]:
    """Create the organisations that do not exist yet (by name); returns ({key: id}, created)."""
    ids, created = {}, 0
    for spec in specs:
        org_id = uow.session.scalar(
            sa.select(Organisation.id).where(Organisation.name == spec.name)
        )
        if org_id is None:
            org = Organisation(name=spec.name, sector=spec.sector, contact=spec.contact)
            uow.session.add(org)
            uow.session.flush()
            uow.audit(
                "organisation", org.id, "create", after={"name": spec.name, "sector": spec.sector}
            )
            org_id, created = org.id, created + 1
        ids[spec.key] = org_id
    uow.commit()
    return ids, created


def feature_for_registry(feature: dict, org_ids: dict[str, int]) -> dict:
    """A generator feature (owner key, nested attributes) as the API's flat Feature."""
    props = dict(feature["properties"])
    attrs = props.pop("attributes", {}) or {}
    props.pop("allocations", None)
    props["owner_id"] = org_ids[props.pop("owner")]
    return {"type": "Feature", "geometry": feature["geometry"], "properties": {**props, **attrs}}


def _allocate_seeded(uow, asset, feature, org_ids) -> int:
    made = 0
    for spec in feature["properties"].get("allocations", []):
        allocations.allocate(
            uow,
            asset.id,
            spec["resource"],
            org_ids[spec["tenant"]],
            units=list(spec["units"]),
            state=spec.get("state", "active"),
            agreement_ref=spec.get("agreement_ref"),
            commit=False,
        )
        made += 1
    return made


def load(
    session_factory,
    actor,
    orgs,
    features: Iterable[dict],
    progress: Callable[[int], None] | None = None,
) -> SeedSummary:
    """Upsert organisations and features batch by batch; allocations only for new assets.

    Each batch commits as a whole. Re-running with the same data changes nothing.
    """
    summary = SeedSummary()
    with UnitOfWork(session_factory, actor) as uow:
        org_ids, summary.organisations_created = ensure_organisations(uow, orgs)
    iterator = iter(features)
    while batch := list(islice(iterator, BATCH_SIZE)):
        with UnitOfWork(session_factory, actor) as uow:
            items = [parse_asset_feature(feature_for_registry(f, org_ids)) for f in batch]
            counts, stored = bulk.upsert_many(uow, items, commit=False)
            for (asset, outcome), feature in zip(stored, batch, strict=True):
                if outcome == "created":
                    summary.allocations_created += _allocate_seeded(uow, asset, feature, org_ids)
            uow.commit()
        for key in summary.counts:
            summary.counts[key] += counts[key]
        if progress:
            progress(len(batch))
    log.info("seed: %s", summary.line())
    return summary
