"""Co-build settings: how close in space and time requests must be to be built together."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from matching.rules import DEFAULT_COSTS, Costs


@dataclass(frozen=True)
class CoBuildRules:
    """Sites within `site_distance_m`; routes sharing `min_shared_m` within `corridor_m`;
    `wanted_date`s at most `window_days` apart. `costs` prices what a group saves."""

    site_distance_m: float = 300.0
    corridor_m: float = 50.0
    min_shared_m: float = 200.0
    window_days: int = 180
    costs: Costs = DEFAULT_COSTS

    @classmethod
    def from_config(cls, config: dict) -> CoBuildRules:
        """Rules from the app config (CO_BUILD_* keys and MATCH_COSTS), defaults elsewhere."""
        names = {f.name for f in dataclasses.fields(cls)} - {"costs"}
        values = {
            n: config[f"CO_BUILD_{n.upper()}"] for n in names if f"CO_BUILD_{n.upper()}" in config
        }
        return cls(costs=config.get("MATCH_COSTS", DEFAULT_COSTS), **values)


_CURRENT = [CoBuildRules()]


def configure(rules: CoBuildRules) -> None:
    """Set the rules the submit hook uses (the app factory calls this once)."""
    _CURRENT[0] = rules


def current_rules() -> CoBuildRules:
    """The configured rules (defaults until configure() is called)."""
    return _CURRENT[0]
