"""A source file in batches of features, for the streamed first import (importers.pipeline).

A CSV is streamed through GDAL's Arrow reader, a batch at a time, so that the database
loads one batch while the next is read; any other file is read whole (as read_source reads
it) and handed on in slices. Either way each batch is a SourceTable of its own (features
numbered from 0 again) whose values are those read_source gives for the same features.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from pyogrio import raw

from registry.interop.importers import sources
from registry.interop.importers.sources import SourceTable

BATCH = 50_000  # features per batch: the first batch is read before the server has work


@dataclass
class Batches:
    """The file's format and CRS, its batches (an iterator, once), and afterwards the feature
    count and the warnings about the whole file."""

    format: str
    crs: str
    hint: int  # about how many features (the size decisions need it before the read)
    parts: Iterator[SourceTable]
    features: int = 0
    warnings: list[str] = field(default_factory=list)


@contextmanager
def open_batches(path, layer=None, crs=None, geometry=None):
    """The file's Batches; unreadable files raise ValidationFailed (as read_source)."""
    fmt = sources.detect_format(path)
    options = sources.open_options(fmt, geometry or {})
    if fmt == "csv":
        sources.configure_gdal()
        with ExitStack() as stack:
            with sources.reading(path, fmt, layer):  # only the opening: not our caller's work
                meta, reader = stack.enter_context(
                    raw.open_arrow(
                        str(path), layer=layer, batch_size=BATCH, use_pyarrow=True, **options
                    )
                )
            if all(t == "OFTString" for t in meta["ogr_types"]):
                yield _streamed(path, meta, reader, crs or meta.get("crs"))
                return
    table = sources.read_source(path, layer, crs, geometry)
    yield Batches(table.format, table.crs, len(table), _slices(table), len(table), table.warnings)


def _slices(table: SourceTable) -> Iterator[SourceTable]:
    for lo in range(0, len(table), BATCH):
        yield table.slice(lo, min(lo + BATCH, len(table)))


def _streamed(path, meta: dict, reader, declared: str | None) -> Batches:
    out = Batches("csv", declared or "EPSG:4326", _lines(path), iter(()))
    out.parts = _csv_parts(out, path, meta, reader, declared)
    return out


def _csv_parts(out: Batches, path, meta: dict, reader, declared) -> Iterator[SourceTable]:
    """Each Arrow batch as read_source would give its features: text fields as Python
    strings, geometries in 2D (read_source reads a CSV with Z again with force_2d), in
    lon/lat; the projected-coordinates warning is decided on the whole file, at the end."""
    fields = [str(f) for f in meta["fields"]]
    width = len(fields)
    largest = None
    with sources.reading(path, "csv", None):
        for batch in reader:
            wkb = None
            if batch.num_columns > width:
                wkb = batch.column(width).to_numpy(zero_copy_only=False)
            geoms, errors = sources.geometries_of(wkb, batch.num_rows)
            if shapely.has_z(geoms).any():
                geoms = shapely.force_2d(geoms)
            geoms, part = sources.lonlat_part(geoms, declared)
            largest = _larger(largest, part)
            arrays = [batch.column(i) for i in range(width)]
            out.features += batch.num_rows
            yield SourceTable(str(path), "csv", fields, [a.to_pylist() for a in arrays], geoms,
                              out.crs, geometry_errors=errors, arrow=arrays)  # fmt: skip
    sources.warn_if_projected(largest, declared, out.warnings)


def _larger(a: tuple | None, b: tuple | None) -> tuple | None:
    if a is None or b is None:
        return a or b
    return max(a[0], b[0]), max(a[1], b[1])


def _lines(path) -> int:
    """The CSV's line count less the header: its feature count, unless quoted values span
    lines (only a size hint)."""
    count = 0
    with Path(path).open("rb") as fh:
        while block := fh.read(1 << 24):
            count += block.count(b"\n")
    return max(count - 1, 0)
