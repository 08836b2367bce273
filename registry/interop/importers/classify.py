"""Deciding, in the parent and in file order, what each validated feature does to the registry.

Created, updated or unchanged (by owner_ref and the digest of its snapshot); rejected when
the file names its ref twice, or when tenants hold capacity the new version would remove.
"""

from __future__ import annotations

from registry.interop.importers.known import Known
from registry.interop.importers.prepare import Batch, Staged
from registry.interop.importers.report import ReportRow
from registry.interop.importers.sources import SourceTable


def _held_conflict(held: dict, s: Staged) -> tuple[str, str] | None:
    """Mirror of services.assets._sync_capacity: never below what tenants hold."""
    totals = {resource: total for resource, total, _ in s.capacity}
    for resource, (count, highest) in sorted(held.items()):
        if resource not in totals:
            return f"properties.capacity.{resource}", (
                f"{count} {resource} units are held; release them first"
            )
        if totals[resource] < highest:
            return f"properties.capacity.{resource}.total", (
                f"unit {highest} of {resource} is held; total cannot go below {highest}"
            )
    return None


def _decide(s: Staged, known: Known) -> Staged | tuple[str, str]:
    existing = known.by_ref.get(s.owner_ref)
    if existing is None:
        return s._replace(op="create")
    asset_id, digest = existing
    if digest == s.digest:
        return s._replace(op="unchanged", asset_id=asset_id)
    problem = _held_conflict(known.held.get(asset_id, {}), s)
    return problem or s._replace(op="update", asset_id=asset_id)


def classify(batch: Batch, known: Known, seen: dict[str, int], table: SourceTable) -> list:
    """The batch's rows with their op set; repeats and held-capacity conflicts join the report.

    `seen` maps every ref met so far (valid or not) to its first feature number.
    """
    rows = []
    events = [(r.feature, r.owner_ref, None) for r in batch.rejected]
    events += [(s.number, s.owner_ref, s) for s in batch.staged]
    for number, ref, staged in sorted(events, key=lambda e: e[0]):
        first = seen.setdefault(ref, number) if ref else number
        if staged is None:
            continue
        if first != number:
            decided = (
                "properties.owner_ref",
                f"{ref!r} appears earlier in the file (feature {first})",
            )
        else:
            decided = _decide(staged, known)
        if isinstance(decided, Staged):
            rows.append(decided)
        else:
            batch.rejected.append(ReportRow(number, table.line(number), ref, *decided))
    batch.rejected.sort()
    return rows
