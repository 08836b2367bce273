"""Whole exports as streams: text chunks (GeoJSON, CSV) or a GeoPackage file, for API and CLI."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator

from sqlalchemy.orm import sessionmaker

from registry.access import grant_uses
from registry.access.visibility import DEFAULT_GRID_M
from registry.db.uow import Actor, UnitOfWork
from registry.interop.exporters.features import conditions, iter_features
from registry.interop.exporters.geojson import geojson_chunks
from registry.interop.exporters.gpkg import write_gpkg
from registry.interop.exporters.tabular import csv_chunks
from registry.inventory.queries import AssetFilter

log = logging.getLogger(__name__)

FORMATS = ("geojson", "csv", "gpkg")
MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "gpkg": "application/geopackage+sqlite3",
}
FILE_CHUNK = 1 << 20


def _features(factory: sessionmaker, f: AssetFilter, actor: Actor, grid_m: float, where: str):
    """Visible features, streamed from one session; grant uses are audited at the end.

    A stream outlives its HTTP request, so it keeps its own grant-use ledger.
    """
    with grant_uses.audited(lambda: UnitOfWork(factory, actor), where), factory() as session:
        conds = conditions(session, f, actor)
        yield from iter_features(session, conds, actor, grid_m, None, f.limit, f.offset)


def text_chunks(
    fmt: str,
    factory: sessionmaker,
    f: AssetFilter,
    actor: Actor,
    grid_m: float = DEFAULT_GRID_M,
    where: str = "export",
) -> Iterator[str]:
    """GeoJSON or CSV text, chunk by chunk, of what the actor may see of the filtered assets."""
    features = _features(factory, f, actor, grid_m, where)
    return geojson_chunks(features) if fmt == "geojson" else csv_chunks(features)


def gpkg_file(
    factory: sessionmaker,
    f: AssetFilter,
    actor: Actor,
    grid_m: float = DEFAULT_GRID_M,
    where: str = "export",
    path: str | None = None,
) -> str:
    """Write a GeoPackage (to `path`, or a new temp file) and return its path."""
    if path is None:
        handle, path = tempfile.mkstemp(prefix="infrashare-export-", suffix=".gpkg")
        os.close(handle)
        os.unlink(path)  # GDAL creates the file itself
    write_gpkg(_features(factory, f, actor, grid_m, where), path)
    return path


def file_chunks(path: str, remove: bool = True) -> Iterator[bytes]:
    """A file's bytes in 1 MiB chunks; the file is deleted afterwards when `remove`."""
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(FILE_CHUNK):
                yield chunk
    finally:
        if remove:
            os.unlink(path)
