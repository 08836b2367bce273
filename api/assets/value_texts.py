"""Texts of single values (geometries, times) as jsonify writes them, kept per process.

A near list's assets recur from request to request (api.assets.page_json writes the page)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import shapely
from flask import current_app

from registry.db.geometry import to_geojson

quoted = json.encoder.encode_basestring_ascii  # json's own string writer (C)


def dumps(value) -> str:
    """`value` as current_app.json.dumps(value, separators=(",", ":")) writes it, by an
    encoder made once per provider setting: json.dumps makes a JSONEncoder on every call
    with non-default options (~2.5 us for a number against ~0.8 us)."""
    return _encoder(current_app.json).encode(value)


_ENCODER: tuple = ((), None)  # (the provider settings it was made for, the encoder): one tuple


def _encoder(provider) -> json.JSONEncoder:
    """The encoder json.dumps would make for DefaultJSONProvider.dumps' options."""
    global _ENCODER
    settings = (provider, provider.default, provider.ensure_ascii, provider.sort_keys)
    made_for, encoder = _ENCODER
    if made_for != settings:  # the provider, its default function, two flags
        encoder = json.JSONEncoder(
            default=provider.default,
            ensure_ascii=provider.ensure_ascii,
            sort_keys=provider.sort_keys,
            separators=(",", ":"),
        )
        _ENCODER = (settings, encoder)
    return encoder


# Kept texts are bounded: each cache is cleared when full.
# A near list's assets recur from request to request; writing floats costs ~0.8 us each.
_GEOMETRIES: dict[bytes, str] = {}  # by the geometry's WKB, which fixes its GeoJSON text
_TIMES: dict = {}  # by the (UTC) time
KEPT = 16_384


def kept(cache: dict, key, text: str) -> str:
    if len(cache) >= KEPT:
        cache.clear()
    cache[key] = text
    return text


def time_text(value) -> str:
    """A time as asset_feature writes it (isoformat), in quotes."""
    if value.tzinfo is not dt.UTC:  # equal times in other zones write differently
        return quoted(value.isoformat())
    found = _TIMES.get(value)
    return kept(_TIMES, value, quoted(value.isoformat())) if found is None else found


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
            out[i] = kept(_GEOMETRIES, keys[i], text)
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
            out.append(dumps(to_geojson(geom)))
            continue
        points = [next(pairs) for _ in range(next(counts))]
        if not plain_ok:
            out.append(dumps(to_geojson(geom)))
        elif kind == 0:
            out.append('{"coordinates":' + points[0] + ',"type":"Point"}')
        else:
            out.append('{"coordinates":[' + ",".join(points) + '],"type":"LineString"}')
    return out


def capacity_key(summaries) -> tuple:
    """What of these capacity summaries a kept text depends on, as plain tuples (which the
    garbage collector stops tracking: a kept CapacitySummary would be one more object that
    every full collection visits)."""
    return tuple((c.resource, c.total, c.allocated, c.heights) for c in summaries)


def same_capacity(before: tuple, summaries) -> bool:
    """True when `summaries` write as those of capacity_key `before` did: equal names and
    whole numbers, the very same heights (page_rows parses one tuple per distinct text, and
    40 == 40.0 but they print differently; `before` holds its tuples, so `is` is sound)."""
    if len(before) != len(summaries):
        return False
    for (resource, total, allocated, heights), b in zip(before, summaries, strict=True):
        if (
            heights is not b.heights
            or resource != b.resource
            or total != b.total
            or allocated != b.allocated
            or type(b.total) is not int
            or type(b.allocated) is not int
        ):
            return False
    return True
