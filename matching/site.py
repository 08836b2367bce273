"""Site matching: which existing structures near a planned site could take the equipment.

Eligibility. A candidate is in service, of a kind (and pole use, owner sector) that
`rules.HOST_RULES` allows for every needed resource, within `radius_m` (geodesic), and has
at least the needed free units of each. With `min_height_m` and an antenna need, it also
needs that many free mount positions at or above the height: a position of unknown height
(nan) counts at the asset's `height_m`, and if that is unknown too it does not count. An
asset with free mounts but no `free_heights` has all of them at unknown height. Without an
antenna need, `min_height_m` applies to the asset's `height_m`.

Ranking score (0–100, higher is better; ties broken by lower asset id):

    score = 100 × (0.60 × proximity + 0.15 × height + 0.10 × headroom + 0.15 × sector)

- proximity = 1 − distance / radius: distance dominates.
- height = min(1, best usable mount height / 40 m); the asset's height without an antenna
  need; 0 when unknown. Higher mounts reach farther.
- headroom = mean over needs of (free − needed) / free: prefer not to take the last units.
- sector = `rules.SECTOR_PREFERENCE` of the owner's sector (tower companies 1.0, operators 0.8,
  municipal and power 0.6, highway and rail 0.4, other 0.2): sharing is their business.

Verdict: "share" if any candidate is eligible, else "build_new"; `reason` says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache, partial

from matching import rules, site_rows
from matching.candidates import RowFilter
from matching.reports import SiteReport, SiteSuggestion, metres
from matching.requests import SiteRequest
from matching.site_rows import SiteCandidate

WEIGHTS = site_rows.WEIGHTS
HEIGHT_REFERENCE_M = site_rows.HEIGHT_REFERENCE_M
_ANTENNA = rules.Resource.ANTENNA_MOUNT
_W_PROXIMITY, _W_HEIGHT, _W_HEADROOM, _W_SECTOR = (
    WEIGHTS[k] for k in ("proximity", "height", "headroom", "sector")
)
_SECTOR_PREFERENCE = dict(rules.SECTOR_PREFERENCE)


def site_score(candidate: SiteCandidate, request: SiteRequest) -> float:
    """The documented ranking score, rounded to 4 decimals.

    Written with plain comparisons instead of min/max and generators: it runs for every
    ranked candidate, and the vectorised `site_rows.approximate_scores` mirrors it.
    """
    proximity = 1.0 - candidate.distance_m / request.radius_m
    if proximity < 0.0:
        proximity = 0.0
    best = candidate.best_height_m
    height = 0.0 if best is None else min(1.0, best / HEIGHT_REFERENCE_M)
    free = candidate.free
    headroom = 0
    for resource, units in request.needs.items():
        headroom += (free[resource] - units) / free[resource]
    headroom /= len(request.needs)
    sector = _SECTOR_PREFERENCE.get(candidate.owner_sector, 0.0)
    total = (
        _W_PROXIMITY * proximity + _W_HEIGHT * height + _W_HEADROOM * headroom + _W_SECTOR * sector
    )
    return round(100 * total, 4) + 0.0


_LABEL = {name: name.replace("_", " ") for name in (*rules.KINDS, *rules.SharingMode)}


@lru_cache(maxsize=256)
def _wording(kind: str, need: str, sector: str) -> tuple[str, str, str]:
    """(sharing mode, kind label, explanation middle): cached, they only depend on these."""
    mode = str(rules.RULES_BY_KEY[(kind, need)].mode_for(sector))
    return mode, _LABEL[kind].capitalize(), f"; {_LABEL[mode]} avoids about "


def _suggest(c: SiteCandidate, score: float, saving: float, first_need: str, money: str):
    mode, label, middle = _wording(c.kind, first_need, c.owner_sector)
    free = ", ".join([f"{units} free {resource}" for resource, units in c.free.items()])
    height = "" if c.best_height_m is None else f", best mount at {c.best_height_m:g} m"
    explanation = (
        f"{label} {c.owner_ref} of {c.owner_name} ({c.owner_sector}) is {c.distance_m:.0f} m "
        f"away with {free}{height}{middle}{money} of new build."
    )
    return SiteSuggestion(
        c.asset_id,
        c.owner_ref,
        c.owner_id,
        c.owner_name,
        c.owner_sector,
        c.kind,
        c.sensitivity,
        round(c.distance_m, 2) + 0.0,  # reports.metres, inlined
        c.free,  # made for this candidate alone
        mode,
        saving,
        score,
        explanation,
    )


def _no_match_reason(request: SiteRequest) -> str:
    kinds = sorted(
        rules.common_hosts(set(request.needs), rules.SITE_HOSTS)
        & (request.kinds or set(rules.KINDS))
    )
    needs = " and ".join(f"{units} free {resource}" for resource, units in request.needs.items())
    height = f" at {request.min_height_m:g} m or higher" if request.min_height_m is not None else ""
    hosts = ", ".join(kinds) or "asset of the requested kinds"
    return f"No in-service {hosts} with {needs}{height} within {request.radius_m:g} m; build new."


def site_report(
    request: SiteRequest,
    seq: int,
    candidates: Sequence[SiteCandidate],
    costs: rules.Costs = rules.DEFAULT_COSTS,
    eligible: int | None = None,
) -> SiteReport:
    """Rank eligible candidates and reach the verdict (the oracle's and the batch's report;
    `match_site` builds the same report from the ranked rows `site_rows.shortlist` returns).

    `candidates` must include the best `request.limit`; `eligible` counts all of them when
    the caller has already dropped the ones that cannot rank (defaults to len(candidates)).
    """
    ranked = sorted(
        (-(site_score(c, request) if c.score is None else round(c.score, 4) + 0.0), c.asset_id, c)
        for c in candidates
    )
    saving = metres(costs.site_saving(set(request.needs)))
    money = f"{saving:,.0f} {costs.currency}"
    first_need = next(iter(request.needs))
    suggestions = [
        _suggest(c, -neg, saving, first_need, money) for neg, _, c in ranked[: request.limit]
    ]
    if suggestions:
        best = suggestions[0]
        verdict = rules.Verdict.SHARE
        reason = (
            f"{len(ranked) if eligible is None else eligible} existing structure(s) within "
            f"{request.radius_m:g} m can take the equipment; the best is {best.kind} "
            f"{best.owner_ref} at {best.distance_m:.2f} m."
        )
    else:
        verdict, reason = rules.Verdict.BUILD_NEW, _no_match_reason(request)
    return SiteReport(
        verdict=str(verdict),
        reason=reason,
        registry_seq=seq,
        request=request.to_dict(),
        candidates=tuple(suggestions),
        currency=costs.currency,
    )


def match_site(index, request: SiteRequest, costs: rules.Costs = rules.DEFAULT_COSTS) -> SiteReport:
    """Answer a site request from an `AssetIndex`; the report is stamped with its seq.

    Takes a `SiteRequest`, returns a `SiteReport` (verdict, reason, ranked suggestions):
    the report `site_report` makes of the same candidates, built from the ranked rows
    `site_rows.shortlist` copies out (no `SiteCandidate` in between).
    """
    row_filter = RowFilter.for_needs(request.needs, request.kinds, request.sectors)
    read = partial(site_rows.shortlist, request=request)
    lon, lat = request.location.x, request.location.y
    seq, parts = index.scan_radius(lon, lat, request.radius_m, row_filter, read, lines=False)
    if len(parts) == 1:
        rows, eligible = parts[0]
    else:  # each table's best `limit`, ranked together
        rows = sorted(row for found, _ in parts for row in found)[: request.limit]
        eligible = sum(count for _, count in parts)
    if not rows:
        return _report(request, seq, rules.Verdict.BUILD_NEW, _no_match_reason(request), (), costs)
    saving = metres(costs.site_saving(set(request.needs)))
    words = _Words(request, saving, f"{saving:,.0f} {costs.currency}")
    suggestions = tuple([words.suggest(row) for row in rows])
    best = suggestions[0]
    reason = (
        f"{eligible} existing structure(s) within {request.radius_m:g} m can take the "
        f"equipment; the best is {best.kind} {best.owner_ref} at {best.distance_m:.2f} m."
    )
    return _report(request, seq, rules.Verdict.SHARE, reason, suggestions, costs)


def _report(request, seq, verdict, reason, suggestions, costs) -> SiteReport:
    return SiteReport(str(verdict), reason, seq, request.to_dict(), suggestions, costs.currency)


@lru_cache(maxsize=4096)
def _owner_words(owner_name: str | None, sector: str) -> str:
    return f" of {owner_name} ({sector}) is "


@lru_cache(maxsize=1024)
def _tail(kind: str, need: str, sector: str, money: str) -> tuple[str, str, str]:
    """(sharing mode, kind label, the explanation's end): they only depend on these."""
    mode, label, middle = _wording(kind, need, sector)
    return mode, label, f"{middle}{money} of new build."


class _Words:
    """`_suggest`'s suggestion for a `site_rows.Finalist`, with the request's wording made
    once and the per-owner and per-kind parts of the explanation cached."""

    __slots__ = ("first_need", "money", "needs", "saving", "units")

    def __init__(self, request: SiteRequest, saving: float, money: str) -> None:
        self.needs = tuple(request.needs)
        self.first_need = self.needs[0]
        self.units = [f" free {resource}" for resource in self.needs]
        self.saving, self.money = saving, money

    def suggest(self, row) -> SiteSuggestion:
        (neg, asset_id, kind, sensitivity, owner_id, owner_name, sector, ref, distance,
         units, best) = row  # fmt: skip
        mode, label, tail = _tail(kind, self.first_need, sector, self.money)
        if len(units) == 1:
            free_text, free = f"{units[0]}{self.units[0]}", {self.first_need: units[0]}
        else:
            free_text = ", ".join([f"{u}{s}" for u, s in zip(units, self.units, strict=True)])
            free = dict(zip(self.needs, units, strict=True))
        height = "" if best is None else f", best mount at {best:g} m"
        explanation = (
            f"{label} {ref}{_owner_words(owner_name, sector)}{distance:.0f} m away with "
            f"{free_text}{height}{tail}"
        )
        return SiteSuggestion(
            asset_id, ref, owner_id, owner_name, sector, kind, sensitivity,
            round(distance, 2) + 0.0, free, mode, self.saving, -neg, explanation,
        )  # fmt: skip
