"""The Feature text of a list row shown masked to a caller whom no grant entitles, kept with it.

Such a row's masked Feature depends on the row, its capacity (free units), the mask grid and
whether the list is a near list; not on who asks. Writing it through asset_feature and
disclose_all costs ~30 us a row (~0.2 ms of a demo-city near list as an operator sees it);
finding it kept, with the masked distance spliced in, ~2 us. Rows a grant may reveal, or
that are confidential, still go through disclose_all, which notes grant uses for the audit.
"""

from __future__ import annotations

import json
import math

from api.assets.value_texts import capacity_key, dumps, same_capacity
from registry.access.visibility import disclose_all
from registry.db.geometry import to_geojson_many
from registry.inventory.serialize import asset_feature

DISTANCE = "\x00"  # the masked distance's place while the text is written
# As it is written: the key with it, which no string can hold unescaped ("\x00" alone could
# be an owner's name).
KEY = '"distance_m":'
_WRITTEN = KEY + json.encoder.encode_basestring_ascii(DISTANCE)


def masked_texts(rows: list, actor, grid_m: float) -> list[str]:
    """The texts of disclose_all's masked Features for these (AssetRow, summaries, distance)
    rows (each visibility.masked_without_grants); those not kept are written in one
    disclose_all call."""
    found = [_found(row, summaries, distance_m, grid_m) for row, summaries, distance_m in rows]
    missing = [k for k, entry in enumerate(found) if entry is None]
    if missing:
        geoms = [rows[k][0].geom for k in missing]
        features = [
            asset_feature(*rows[k], geojson=g)
            for k, g in zip(missing, to_geojson_many(geoms), strict=True)
        ]
        forms = [rows[k][0].snapped_to(grid_m) for k in missing]  # as its near list measured it
        shown, _ = disclose_all(actor, features, grid_m, geoms, forms)
        for k, masked in zip(missing, shown, strict=True):
            found[k] = _keep(*rows[k], grid_m, masked)
    distances = [distance_m for _, _, distance_m in rows]
    return [_spliced(e, d, grid_m) for e, d in zip(found, distances, strict=True)]


def _found(row, summaries, distance_m, grid_m: float) -> tuple | None:
    """The masked text kept with the row (page_rows shares one AssetRow per content), if it
    was written for this capacity, near-ness and grid."""
    entry = row.masked_text
    if (
        entry is None
        or entry[0] is not (distance_m is not None)
        or entry[1] != grid_m
        or not same_capacity(entry[2], summaries)
    ):
        return None
    return entry


def _keep(row, summaries, distance_m, grid_m: float, masked: dict) -> tuple:
    """Keep the masked Feature's text with the row, split where its distance goes."""
    near = distance_m is not None
    if near:
        masked["properties"]["distance_m"] = DISTANCE
    head, _, tail = dumps(masked).partition(_WRITTEN)
    head += KEY if near else ""
    row.masked_text = (near, grid_m, capacity_key(summaries), head, tail)
    return row.masked_text


def _spliced(entry: tuple, distance_m, grid_m: float) -> str:
    if distance_m is None:
        return entry[3]
    # disclose's masked distance: asset_feature's round(d, 2), then to the grid.
    distance = round(round(float(distance_m), 2) / grid_m) * grid_m
    return entry[3] + _number(distance) + entry[4]


def _number(value) -> str:
    """A number as the encoder writes it."""
    if type(value) is float and math.isfinite(value):
        return float.__repr__(value)
    if type(value) is int:
        return int.__repr__(value)
    return dumps(value)
