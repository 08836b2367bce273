"""A GeoJSON FeatureCollection (RFC 7946) as text chunks, for streamed responses and files."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

CHUNK = 500


def geojson_chunks(features: Iterable[dict], members: dict | None = None) -> Iterator[str]:
    """'{"type": "FeatureCollection", "features": [...]}' piece by piece; `members` go first."""
    head = {"type": "FeatureCollection", **(members or {})}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n'
    pending: list[str] = []
    first = True
    for feature in features:
        pending.append(json.dumps(feature, ensure_ascii=False))
        if len(pending) >= CHUNK:
            yield ("" if first else ",\n") + ",\n".join(pending)
            pending, first = [], False
    if pending:
        yield ("" if first else ",\n") + ",\n".join(pending)
    yield "\n]}\n"
