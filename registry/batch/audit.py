"""The avoidable-build audit: every planned site matched against the registry, on Dask
(planned routes: `route_audit`, on the same runner and summary).

Plans are split into square tiles; each tile is one Dask task that reads the snapshot's
assets inside the tile grown by the largest search radius (the halo: no candidate within
the radius of a plan can lie outside it) and runs `partition.audit_partition`. A
LocalCluster is started unless a scheduler address is given; `run_single` does the same
work in this process over the whole registry, and both give the same rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from matching import rules
from matching.kernels_warm import warm_up
from matching.requests import SiteRequest
from registry.batch.partition import audit_partition
from registry.batch.tiles import Tile, auto_size, partition

log = logging.getLogger(__name__)
# The workers' statistical profiler samples every thread's stack every 10 ms on the event
# loop: ~1 s of CPU per worker per minute of audit (measured), taken from the matching.
_LOCAL_WORKERS = {"distributed.worker.profile.enabled": False}


@dataclass(frozen=True)
class Plans:
    """Planned sites: id, lon, lat and the request template each is matched with."""

    ids: np.ndarray  # object (str)
    lon: np.ndarray
    lat: np.ndarray
    group: np.ndarray  # index into templates
    templates: list[SiteRequest]

    def __len__(self) -> int:
        return len(self.ids)

    def task(self, snapshot, tile: Tile | None, costs: rules.Costs, top: int) -> tuple:
        """(function, arguments) auditing the plans of `tile` (None: all, on every asset):
        the assets read are those within the largest radius of the tile."""
        if tile is None:
            return audit_partition, (snapshot, None, *_plan_args(self, np.arange(len(self))),
                                     costs, top)  # fmt: skip
        radius = max(float(t.radius_m) for t in self.templates)
        return audit_partition, (str(snapshot), tile.halo_boxes(radius),
                                 *_plan_args(self, tile.plans), costs, top)  # fmt: skip


@dataclass
class AuditResult:
    plans: dict  # columns, one row per plan, in plan order
    candidates: dict  # columns, the best `top` candidates of each plan
    summary: dict = field(default_factory=dict)


def run_single(plans, snapshot, costs: rules.Costs = rules.DEFAULT_COSTS, top: int = 3):
    """The whole audit in this process, on the whole snapshot (the reference run).

    `plans`: planned sites (`Plans`) or routes (`route_audit.RoutePlans`)."""
    fn, args = plans.task(snapshot, None, costs, top)
    return finish(plans, [fn(*args)], costs)


def run_dask(
    plans,
    snapshot,
    costs: rules.Costs = rules.DEFAULT_COSTS,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
    tile_deg: float | None = None,
    top: int = 3,
    progress: Callable[[int, int], None] | None = None,
) -> AuditResult:
    """The audit as one Dask task per tile, on `scheduler` (an address such as
    tcp://host:8786) or a LocalCluster of `workers` single-threaded workers. `plans`:
    planned sites (`Plans`) or routes (`route_audit.RoutePlans`), tiled by `plans.lon/lat`.

    The snapshot path must be readable by every worker (a shared disk or object store).
    `progress(done, total)` is called as tiles finish. `tile_deg` None: `tiles.auto_size`.
    """
    lon, lat = plans.lon, plans.lat
    tiles = partition(lon, lat, tile_deg or auto_size(lon, lat, workers))
    # Largest first: the last tasks to start are small, so no worker idles long at the end.
    tiles.sort(key=lambda tile: -len(tile.plans))
    tasks = [plans.task(snapshot, tile, costs, top) for tile in tiles]
    parts = run_tasks(tasks, scheduler, workers, processes, progress)
    log.info("audit: %d plans in %d tiles", len(plans), len(tiles))
    return finish(plans, parts, costs)


def run_tasks(tasks: list, scheduler, workers: int, processes: bool, progress) -> list:
    """`fn(*args)` of every (fn, args) on `scheduler` or a LocalCluster, in finishing order."""
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        with dask.config.set(_LOCAL_WORKERS):  # read as the workers start
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=processes,
                dashboard_address=None,
            )  # fmt: skip
    client = Client(scheduler or cluster)
    try:
        client.run(warm_up)  # each worker compiles (or loads) the kernels once, up front
        futures = [client.submit(fn, *args, pure=False) for fn, args in tasks]
        parts = []
        for done, future in enumerate(as_completed(futures), start=1):
            parts.append(future.result())
            if progress is not None:
                progress(done, len(futures))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return parts


def _plan_args(plans: Plans, rows: np.ndarray) -> tuple:
    return rows, plans.lon[rows], plans.lat[rows], plans.group[rows], plans.templates


def finish(plans, parts: list[dict], costs: rules.Costs) -> AuditResult:
    """Rows of all parts in plan order (candidates by plan, then rank), plus the summary."""
    found = {}
    for name in ("plans", "candidates"):
        columns = [p[name] for p in parts if p[name]]
        if not columns:
            found[name] = {}
            continue
        joined = {k: np.concatenate([c[k] for c in columns]) for k in columns[0]}
        keys = (joined["rank"], joined["row"]) if name == "candidates" else (joined["row"],)
        order = np.lexsort(keys)
        joined = {k: v[order] for k, v in joined.items()}
        row = joined.pop("row")
        head = {"plan_id": plans.ids[row]}
        if name == "plans":
            head.update(lon=plans.lon[row], lat=plans.lat[row])
        found[name] = {**head, **joined}
    seqs = {p["seq"] for p in parts}
    result = AuditResult(found["plans"], found["candidates"])
    result.summary = summary(result, costs, max(seqs) if seqs else -1)
    return result


def summary(result: AuditResult, costs: rules.Costs, seq: int) -> dict:
    """How many plans could share instead of building, and what that avoids. For routes
    (plans with `coverage_m`) also the partial shares and the trench metres avoided: the
    covered metres less the laterals to reach the shared lines, of every shared route."""
    plans = result.plans
    total = len(plans.get("plan_id", ()))
    share = int((plans["verdict"] == "share").sum()) if total else 0
    out = {
        "registry_seq": seq,
        "plans": total,
        "could_share": share,
        "share_ratio": round(share / total, 4) if total else 0.0,
        "money_avoidable": round(float(plans["saving"].sum()), 2) if total else 0.0,
        "currency": costs.currency,
        "trench_m_avoidable": 0.0,  # planned sites dig no trench
    }
    if total and "coverage_m" in plans:
        shared = plans["verdict"] != "build_new"
        out["could_partly_share"] = int((plans["verdict"] == "partial_share").sum())
        avoided = (plans["coverage_m"] - plans["lateral_m"])[shared].sum()
        out["trench_m_avoidable"] = round(float(avoided), 2)
    return out
