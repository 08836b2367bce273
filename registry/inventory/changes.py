"""Typed changes to inventory (asset patches, organisation changes): "not given" is not null."""

from __future__ import annotations

import copy
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from registry.inventory.vocabulary import Sector


class Unset(enum.Enum):
    """The type of UNSET: a field a PATCH did not mention (None would mean "clear it")."""

    UNSET = "unset"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET

# The properties every asset declares; any other property is a kind's attribute.
ASSET_FIELDS = ("kind", "owner_id", "owner_ref", "status", "sensitivity")


def merge_patch(current: dict, patch: Mapping) -> dict:
    """Apply a JSON merge patch (RFC 7396 style) to a copy of `current`: None removes a key."""
    merged = copy.deepcopy(current)
    for key, value in patch.items():
        _merge_key(merged, key, value)
    return merged


def _merge_key(target: dict, key: str, value) -> None:
    if isinstance(value, Mapping) and isinstance(target.get(key), dict) and key != "geometry":
        target[key] = merge_patch(target[key], value)
    elif value is None:
        target.pop(key, None)
    else:
        target[key] = copy.deepcopy(value)


@dataclass(frozen=True)
class AssetPatch:
    """A merge patch of an asset: UNSET (or an absent attribute) keeps, None removes.

    The values are not yet checked: an asset is validated as a whole after the merge,
    because what is valid depends on the rest (a kind's attributes, its geometry type).
    `geometry` is a GeoJSON geometry; `capacity` is merged per resource and per field.
    """

    geometry: Mapping | Unset = UNSET
    kind: Any = UNSET
    owner_id: Any = UNSET
    owner_ref: Any = UNSET
    status: Any = UNSET
    sensitivity: Any = UNSET
    attributes: Mapping[str, Any] = field(default_factory=dict)
    capacity: Any = UNSET

    def __post_init__(self):
        clash = set(self.attributes) & {*ASSET_FIELDS, "capacity"}
        if clash:
            raise ValueError(f"{sorted(clash)[0]} is a field of the patch, not an attribute")

    def owner_kept(self, owner_id: int) -> bool:
        """Whether this patch leaves the asset with owner `owner_id` (a PATCH never moves it)."""
        return self.owner_id is UNSET or self.owner_id == owner_id

    def property_changes(self) -> dict:
        """The properties this patch mentions, by name (None where one is removed)."""
        changes = {k: getattr(self, k) for k in ASSET_FIELDS if getattr(self, k) is not UNSET}
        changes.update(self.attributes)
        if self.capacity is not UNSET:
            changes["capacity"] = self.capacity
        return changes

    def applied_to(self, feature: Mapping) -> dict:
        """The asset's GeoJSON Feature (assets.snapshot_as_feature) with this patch applied."""
        merged = copy.deepcopy(dict(feature))
        if self.geometry is not UNSET:
            merged["geometry"] = copy.deepcopy(self.geometry)
        properties = merged.setdefault("properties", {})
        for key, value in self.property_changes().items():
            _merge_key(properties, key, value)
        return merged


@dataclass(frozen=True)
class OrganisationChanges:
    """A change of an organisation: UNSET keeps a field; contact=None clears the contact."""

    name: str | Unset = UNSET
    sector: Sector | Unset = UNSET
    contact: str | Unset | None = UNSET

    def given(self) -> dict:
        """The fields to change, by name (their values not yet cleaned)."""
        values = {"name": self.name, "sector": self.sector, "contact": self.contact}
        return {k: v for k, v in values.items() if v is not UNSET}
