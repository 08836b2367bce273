"""Opt-in geometry repairs a mapping may ask for (`repair: [drop_loops]`)."""

from __future__ import annotations


def drop_loops(coords: list) -> list[list[float]]:
    """Cut back-tracks and loops out of a line: a vertex seen before cuts the path back to it.

    OSM-derived graphs hold a few digitising spikes (A, B, C, C, A); the registry only accepts
    simple LineStrings. A closed line (first vertex == last) stays closed.
    """
    coords = [list(c[:2]) for c in coords]
    if len(coords) > 3 and coords[0] == coords[-1]:
        return [*drop_loops(coords[:-1]), list(coords[0])]
    out: list[list[float]] = []
    seen: dict[tuple[float, float], int] = {}
    for x, y in coords:
        key = (x, y)
        if key in seen:
            for dropped in out[seen[key] + 1 :]:
                seen.pop((dropped[0], dropped[1]), None)
            del out[seen[key] + 1 :]
            continue
        seen[key] = len(out)
        out.append([x, y])
    return out


REPAIRS = {"drop_loops": drop_loops}


def repaired(geometry: dict | None, names: tuple[str, ...]) -> dict | None:
    """The GeoJSON geometry with the named repairs applied to its LineString coordinates."""
    if not names or not geometry or geometry.get("type") != "LineString":
        return geometry
    coords = geometry["coordinates"]
    for name in names:
        coords = REPAIRS[name](coords)
    return {"type": "LineString", "coordinates": coords}
