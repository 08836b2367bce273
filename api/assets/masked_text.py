"""The Feature text of a list row shown masked to a caller whom no grant entitles, kept per row.

Such a row's masked Feature depends on the row, its capacity (free units), the mask grid and
whether the list is a near list; not on who asks. Writing it through asset_feature and
disclose_all costs ~30 us a row (~0.2 ms of a demo-city near list as an operator sees it);
finding it kept, with the masked distance spliced in, ~2 us. Rows a grant may reveal, or
that are confidential, still go through disclose_all, which notes grant uses for the audit.
"""

from __future__ import annotations

import json
import math

from api.assets.value_texts import dumps, kept, same_capacity
from registry.access.visibility import disclose_all, shown_as_stored
from registry.db.geometry import to_geojson
from registry.inventory.serialize import asset_feature
from registry.inventory.vocabulary import Sensitivity

DISTANCE = "\x00"  # the masked distance's place while the text is written
# As it is written: the key with it, which no string can hold unescaped ("\x00" alone could
# be an owner's name).
KEY = '"distance_m":'
_WRITTEN = KEY + json.encoder.encode_basestring_ascii(DISTANCE)

# By row (page_rows shares one AssetRow per content, so an entry cannot be stale; it holds
# its row, so the id names that object): (row, summaries, near, grid, head, tail).
_MASKED: dict = {}


def masked_without_grants(actor, row) -> bool:
    """True when disclose_all would show the row masked without consulting a grant: the actor
    holds none, does not see it as stored, and it is not confidential (then it is hidden)."""
    return (
        not actor.grants
        and row.sensitivity != Sensitivity.CONFIDENTIAL
        and not shown_as_stored(actor, row.owner_id, row.sensitivity)
    )


def masked_text(row, summaries, distance_m, actor, grid_m: float) -> str:
    """The text of disclose_all's masked Feature for this row (masked_without_grants)."""
    near = distance_m is not None
    found = _MASKED.get(id(row))
    if (
        found is None
        or found[0] is not row
        or found[2] is not near
        or found[3] != grid_m
        or not same_capacity(found[1], summaries)
    ):
        feature = asset_feature(row, summaries, distance_m, geojson=to_geojson(row.geom))
        [masked], _ = disclose_all(actor, [feature], grid_m, [row.geom])
        if near:
            masked["properties"]["distance_m"] = DISTANCE
        head, _, tail = dumps(masked).partition(_WRITTEN)
        head += KEY if near else ""
        found = kept(_MASKED, id(row), (row, list(summaries), near, grid_m, head, tail))
    if not near:
        return found[4]
    # disclose's masked distance: asset_feature's round(d, 2), then to the grid.
    distance = round(round(float(distance_m), 2) / grid_m) * grid_m
    return found[4] + _number(distance) + found[5]


def _number(value) -> str:
    """A number as the encoder writes it."""
    if type(value) is float and math.isfinite(value):
        return float.__repr__(value)
    if type(value) is int:
        return int.__repr__(value)
    return dumps(value)
