"""A list page's FeatureCollection as JSON text, written per row from a precompiled template.

Building a dict per Feature (properties and capacity included) and `jsonify` sorting every
dict's keys cost ~1.1 ms CPU of a ~60-row near list (~0.6 ms this way). Here a
row's Feature is one %-format of a template made once per attribute set: the keys already in
sorted order, the attributes' JSON written in it, slots for the row's own values. The text is
the bytes jsonify writes (sorted keys, ASCII, compact), which tests check against the dicts.

Rows the caller does not see as stored (masked, hidden, or shown by a grant, which is noted
for the audit) still go through asset_feature and registry.access's disclose_all.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from types import MappingProxyType

import numpy as np
import shapely
from flask import current_app
from flask.json.provider import DefaultJSONProvider

from registry.access.visibility import disclose_all, shown_as_stored
from registry.db.geometry import to_geojson, to_geojson_many
from registry.inventory.serialize import asset_feature

_quoted = json.encoder.encode_basestring_ascii  # json's own string writer (C)

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


def _dumps(value) -> str:
    return current_app.json.dumps(value, separators=(",", ":"))


def _text(value) -> str:
    """`value` as jsonify writes it: strings and whole numbers directly, anything else by
    the encoder (None, floats such as NaN, other types)."""
    kind = type(value)
    if kind is str:
        return _quoted(value)
    if kind is int:
        return int.__repr__(value)
    return _dumps(value)


def _float(value: float) -> str:
    return float.__repr__(value) if math.isfinite(value) else _dumps(value)


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
        entries[k] = _dumps(v).replace("%", "%%")
    entries.update({k: None for k in AFTER})
    if near:
        entries["distance_m"] = None
    slots = ("geometry", "id", *(k for k in sorted(entries) if entries[k] is None))
    positional = slots == (NEAR_SLOTS if near else SLOTS)
    props = ",".join(
        _quoted(k).replace("%", "%%") + ":" + (_slot(k, positional) if v is None else v)
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
        found = _WORDS[value] = _quoted(value)
    return found


def _capacity(summaries) -> str:
    """asset_feature's capacity ({resource: as_json()}) as jsonify writes it."""
    items = []
    for c in sorted(summaries, key=_resource) if len(summaries) > 1 else summaries:
        total, allocated = c.total, c.allocated
        if type(total) is not int or type(allocated) is not int:
            raise TypeError("not whole numbers")
        heights = "" if c.heights is None else f',"heights":{_dumps(list(c.heights))}'
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


def _feature_text(row, summaries, distance_m, geometry: str) -> str:
    """The Feature asset_feature makes, as text; TypeError for values of unexpected types
    (the caller then encodes asset_feature's dict)."""
    if type(row.id) is not int or type(row.owner_id) is not int:
        raise TypeError("ids are not whole numbers")
    owner, near = row.owner, distance_m is not None
    values = [
        geometry,
        row.id,
        _capacity(summaries),
        _time(row.created_at),
        _word(row.kind),
        row.owner_id,
        _word(owner.name),
        _quoted(row.owner_ref),
        _word(owner.sector),
        _word(row.sensitivity),
        _word(row.status),
        _time(row.updated_at),
    ]
    if near:
        values.insert(4, _distance(float(distance_m)))
    fmt, positional = _template(row.attributes, near)
    if positional:
        return fmt % tuple(values)
    return fmt % dict(zip(NEAR_SLOTS if near else SLOTS, values, strict=True))


# Texts that depend on nothing but a value, kept per process (bounded: cleared when full).
# A near list's assets recur from request to request; writing floats costs ~0.8 us each.
_GEOMETRIES: dict[bytes, str] = {}  # by the geometry's WKB, which fixes its GeoJSON text
_TIMES: dict = {}  # by the (UTC) time
KEPT = 16_384


def _kept(cache: dict, key, text: str) -> str:
    if len(cache) >= KEPT:
        cache.clear()
    cache[key] = text
    return text


def _time(value) -> str:
    """A time as asset_feature writes it (isoformat), in quotes."""
    if value.tzinfo is not dt.UTC:  # equal times in other zones write differently
        return _quoted(value.isoformat())
    found = _TIMES.get(value)
    return _kept(_TIMES, value, _quoted(value.isoformat())) if found is None else found


def geometry_texts(geoms) -> list[str]:
    """Each geometry's GeoJSON as jsonify writes to_geojson's dict."""
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    keys = shapely.to_wkb(arr).tolist()
    out = [_GEOMETRIES.get(k) for k in keys]
    missing = [i for i, text in enumerate(out) if text is None]
    if missing:
        written = _written(arr[missing])
        for i, text in zip(missing, written, strict=True):
            out[i] = _kept(_GEOMETRIES, keys[i], text)
    return out


def _written(arr) -> list[str]:
    """GeoJSON texts: 2-D points and lines from one coordinate array (float repr is what the
    encoder writes), others encoded."""
    types = shapely.get_type_id(arr)
    plain = (types <= 1) & ~shapely.has_z(arr) & ~shapely.is_empty(arr)
    coords = shapely.get_coordinates(arr[plain])
    plain_ok = bool(np.isfinite(coords).all())  # NaN: the encoder's spelling, not repr's
    pairs = iter([f"[{x!r},{y!r}]" for x, y in coords.tolist()])
    counts = iter(shapely.get_num_coordinates(arr[plain]).tolist())
    out = []
    for geom, kind, simple in zip(arr.tolist(), types.tolist(), plain.tolist(), strict=True):
        if not simple:
            out.append(_dumps(to_geojson(geom)))
            continue
        points = [next(pairs) for _ in range(next(counts))]
        if not plain_ok:
            out.append(_dumps(to_geojson(geom)))
        elif kind == 0:
            out.append('{"coordinates":' + points[0] + ',"type":"Point"}')
        else:
            out.append('{"coordinates":[' + ",".join(points) + '],"type":"LineString"}')
    return out


def feature_texts(rows, actor, grid_m: float) -> list[str]:
    """The page's Features as the actor may see them, as JSON text, in the page's order.

    `rows`: list_assets' (AssetRow, capacity summaries, distance or None) triples."""
    stored, others = [], []
    for i, (row, _, _) in enumerate(rows):
        (stored if shown_as_stored(actor, row.owner_id, row.sensitivity) else others).append(i)
    out: list = [None] * len(rows)
    geometries = geometry_texts([rows[i][0].geom for i in stored])
    for i, geometry in zip(stored, geometries, strict=True):
        try:
            out[i] = _feature_text(*rows[i], geometry)
        except TypeError:  # a value of another type (None, a float): the encoder writes it
            out[i] = _dumps(asset_feature(*rows[i], geojson=json.loads(geometry)))
    if others:
        geoms = [rows[i][0].geom for i in others]
        shapes = to_geojson_many(geoms)
        features = [asset_feature(*rows[i], geojson=g) for i, g in zip(others, shapes, strict=True)]
        shown = {f["id"]: f for f in disclose_all(actor, features, grid_m, geoms)[0]}
        for i in others:
            feature = shown.get(rows[i][0].id)
            if feature is not None:
                out[i] = _dumps(feature)
    return [text for text in out if text is not None]


def collection_text(features: list[str], links: list[dict], total: int) -> str:
    """The FeatureCollection jsonify writes for these Feature texts (keys sorted)."""
    return (
        '{"features":[' + ",".join(features) + '],"links":' + _dumps(links)
        + f',"numberMatched":{_text(total)},"numberReturned":{len(features)}'
        + ',"type":"FeatureCollection"}\n'
    )  # fmt: skip
