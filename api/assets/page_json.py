"""A list page's FeatureCollection as JSON text, written per row from a precompiled template.

Building a dict per Feature (properties and capacity included) and `jsonify` sorting every
dict's keys cost ~1.1 ms CPU of a ~60-row near list (~0.6 ms this way). Here a
row's Feature is one %-format of a template made once per attribute set: the keys already in
sorted order, the attributes' JSON written in it, slots for the row's own values. The text is
the bytes jsonify writes (sorted keys, ASCII, compact), which tests check against the dicts.
A row's text is kept with its AssetRow (_stored_text), which page_rows shares while it keeps
the row: near lists show the same assets again and again.

Rows the caller does not see as stored (masked, hidden, or shown by a grant, which is noted
for the audit) still go through asset_feature and registry.access's disclose_all.
"""

from __future__ import annotations

import json
from types import MappingProxyType

from flask.json.provider import DefaultJSONProvider

from api.assets.masked_text import masked_texts
from api.assets.value_texts import (
    capacity_key,
    dumps,
    geometry_texts,
    quoted,
    same_capacity,
    time_text,
)
from registry.access.visibility import disclose_all, masked_without_grants, shown_as_stored
from registry.db.geometry import to_geojson_many
from registry.inventory.serialize import asset_feature

__all__ = ["collection_text", "fast_json_ok", "feature_texts", "geometry_texts"]


# asset_feature's properties: these come before the attributes (which may replace them),
# these after (they replace attributes of the same name); distance_m only on near lists.
BEFORE = ("kind", "owner_id", "owner_name", "owner_sector", "owner_ref", "status", "sensitivity")
AFTER = ("capacity", "created_at", "updated_at")


def fast_json_ok(app) -> bool:
    """True when jsonify would write what this module writes: Flask's provider, sorted keys,
    ASCII, compact (not in debug mode, which indents)."""
    provider = app.json
    indents = provider.compact is False or (provider.compact is None and app.debug)
    return (
        type(provider) is DefaultJSONProvider
        and provider.sort_keys
        and not indents
        and (provider.ensure_ascii is True)
    )


def _text(value) -> str:
    """`value` as jsonify writes it: strings and whole numbers directly, anything else by
    the encoder (None, floats such as NaN, other types)."""
    kind = type(value)
    if kind is str:
        return quoted(value)
    if kind is int:
        return int.__repr__(value)
    return dumps(value)


_TEMPLATES: dict = {}
TEMPLATES = 4096  # templates kept, a bound on memory (the demo city has ~800 attribute sets)
# The slots of a template, in the order of their (sorted) keys when no attribute replaces one.
SLOTS = ("geometry", "id", *sorted((*BEFORE, *AFTER)))
NEAR_SLOTS = ("geometry", "id", *sorted((*BEFORE, *AFTER, "distance_m")))


def _template(attributes, near: bool) -> tuple[str, bool]:
    """(the %-format of a Feature with these attributes, keys sorted; True when its slots
    are SLOTS or NEAR_SLOTS in order, so positional, else named)."""
    key = (id(attributes), near)
    found = _TEMPLATES.get(key)
    if found is not None and found[0] is attributes:
        return found[1]
    entries = {k: None for k in BEFORE}  # None: a slot
    for k, v in (attributes or {}).items():
        entries[k] = dumps(v).replace("%", "%%")
    entries.update({k: None for k in AFTER})
    if near:
        entries["distance_m"] = None
    slots = ("geometry", "id", *(k for k in sorted(entries) if entries[k] is None))
    positional = slots == (NEAR_SLOTS if near else SLOTS)
    props = ",".join(
        quoted(k).replace("%", "%%") + ":" + (_slot(k, positional) if v is None else v)
        for k, v in sorted(entries.items())
    )
    fmt = "{" + f'"geometry":{_slot("geometry", positional)},"id":{_slot("id", positional)}'
    fmt += ',"properties":{' + props + '},"type":"Feature"}'
    # Only read-only attribute sets (page_rows shares one per distinct text) are kept: an
    # id names the object while the entry holds it, and nothing changes its content.
    if type(attributes) is MappingProxyType:
        if len(_TEMPLATES) >= TEMPLATES:
            _TEMPLATES.clear()
        _TEMPLATES[key] = (attributes, (fmt, positional))
    return fmt, positional


def _slot(name: str, positional: bool) -> str:
    return "%s" if positional else f"%({name})s"


_WORDS: dict = {}  # kinds, statuses, owners' names and sectors: few, written once each


def _word(value: str) -> str:
    found = _WORDS.get(value)
    if found is None:
        if len(_WORDS) >= TEMPLATES:
            _WORDS.clear()
        found = _WORDS[value] = quoted(value)
    return found


def _capacity(summaries) -> str:
    """asset_feature's capacity ({resource: as_json()}) as jsonify writes it."""
    items = []
    for c in sorted(summaries, key=_resource) if len(summaries) > 1 else summaries:
        total, allocated = c.total, c.allocated
        if type(total) is not int or type(allocated) is not int:
            raise TypeError("not whole numbers")
        heights = "" if c.heights is None else f',"heights":{dumps(list(c.heights))}'
        items.append(
            f'{_word(c.resource)}:{{"allocated":{allocated},"free":{total - allocated}'
            f'{heights},"total":{total}}}'
        )
    return "{" + ",".join(items) + "}"


def _resource(summary) -> str:
    return summary.resource


def _distance(value: float) -> str:
    """repr(round(value, 2)), as asset_feature rounds and the encoder writes it, in a third
    of the time: both round the exact binary value to two decimals alike (dtoa), and below
    1e15 the shortest repr of that decimal is its digits without trailing zeros."""
    if abs(value) < 1e15:
        text = f"{value:.2f}".rstrip("0")
        return text + "0" if text[-1] == "." else text
    distance = round(value, 2)
    if distance - distance != 0:  # NaN or infinite: the encoder's spelling, not repr's
        raise TypeError("distance is not finite")
    return float.__repr__(distance)


DISTANCE = "\x00"  # where a near list's distance goes: JSON text never holds it unescaped


def _feature_text(row, summaries, near: bool, geometry: str) -> str:
    """The Feature asset_feature makes, as text, DISTANCE in place of a near list's distance;
    TypeError for values of unexpected types (the caller then encodes asset_feature's dict)."""
    if type(row.id) is not int or type(row.owner_id) is not int:
        raise TypeError("ids are not whole numbers")
    owner = row.owner
    values = [
        geometry,
        row.id,
        _capacity(summaries),
        time_text(row.created_at),
        _word(row.kind),
        row.owner_id,
        _word(owner.name),
        quoted(row.owner_ref),
        _word(owner.sector),
        _word(row.sensitivity),
        _word(row.status),
        time_text(row.updated_at),
    ]
    if near:
        values.insert(4, DISTANCE)
    fmt, positional = _template(row.attributes, near)
    if positional:
        return fmt % tuple(values)
    return fmt % dict(zip(NEAR_SLOTS if near else SLOTS, values, strict=True))


def _stored_text(row, summaries, distance_m, geometry_of) -> str:
    """The Feature text of a row shown as stored (TypeError: see _feature_text).

    Kept with the row, split where a near list's distance goes, with what else it depends
    on (capacity, near-ness): page_rows shares one AssetRow per content, so near lists,
    which show the same assets again and again, find it written (~1 us against ~10)."""
    near = distance_m is not None
    found = row.feature_text
    if found is None or found[0] is not near or not same_capacity(found[1], summaries):
        text = _feature_text(row, summaries, near, geometry_of(row))
        head, _, tail = text.partition(DISTANCE)
        found = row.feature_text = (near, capacity_key(summaries), head, tail)
    return found[2] + _distance(float(distance_m)) + found[3] if near else found[2]


def feature_texts(rows, actor, grid_m: float) -> list[str]:
    """The page's Features as the actor may see them, as JSON text, in the page's order.

    `rows`: list_assets' (AssetRow, capacity summaries, distance or None) triples."""
    stored, others = [], []
    for i, (row, _, _) in enumerate(rows):
        (stored if shown_as_stored(actor, row.owner_id, row.sensitivity) else others).append(i)
    out: list = [None] * len(rows)
    geometries = _GeometryTexts([rows[i][0] for i in stored])
    for i in stored:
        try:
            out[i] = _stored_text(*rows[i], geometries.of)
        except TypeError:  # a value of another type (None, a float): the encoder writes it
            geometry = geometries.of(rows[i][0])
            out[i] = dumps(asset_feature(*rows[i], geojson=json.loads(geometry)))
    masked = [
        i
        for i in others
        if masked_without_grants(actor, rows[i][0].owner_id, rows[i][0].sensitivity)
    ]
    for i, text in zip(masked, masked_texts([rows[i] for i in masked], actor, grid_m), strict=True):
        out[i] = text
    others = [i for i in others if out[i] is None]
    if others:
        geoms = [rows[i][0].geom for i in others]
        shapes = to_geojson_many(geoms)
        features = [asset_feature(*rows[i], geojson=g) for i, g in zip(others, shapes, strict=True)]
        shown = {f["id"]: f for f in disclose_all(actor, features, grid_m, geoms)[0]}
        for i in others:
            feature = shown.get(rows[i][0].id)
            if feature is not None:
                out[i] = dumps(feature)
    return [text for text in out if text is not None]


class _GeometryTexts:
    """geometry_texts of the rows whose Feature text must be written, made on first need, in
    one call for all of them: the page's other rows' texts are found written."""

    def __init__(self, rows) -> None:
        self._rows, self._texts = rows, None

    def of(self, row) -> str:
        if self._texts is None:
            todo = [r for r in self._rows if r.feature_text is None]
            texts = geometry_texts([r.geom for r in todo])
            self._texts = {id(r): t for r, t in zip(todo, texts, strict=True)}
        found = self._texts.get(id(row))
        return geometry_texts([row.geom])[0] if found is None else found


def collection_text(features: list[str], links: list[dict], total: int) -> str:
    """The FeatureCollection jsonify writes for these Feature texts (keys sorted)."""
    return (
        '{"features":[' + ",".join(features) + '],"links":' + dumps(links)
        + f',"numberMatched":{_text(total)},"numberReturned":{len(features)}'
        + ',"type":"FeatureCollection"}\n'
    )  # fmt: skip
