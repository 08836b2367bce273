"""Validating a whole source table at once, by columns, instead of feature by feature.

Features that share every source value except their ref and geometry share their validated
properties, so the mapping and `parse_asset_feature` run once per distinct combination (a
"group"), not once per feature. Refs and geometries are checked as whole arrays. A feature
that any of these checks doubts goes through the exact per-feature path
(registry.interop.importers.prepare.validate_one), which writes its report row; so the
outcome is the same as validating every feature one by one, only faster.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import shapely
import shapely.geometry

from registry.errors import ValidationFailed
from registry.interop.importers.convert import is_empty
from registry.interop.importers.mapping import Rule, template_fields
from registry.interop.importers.prepare import (
    Context,
    canonical,
    capacity_json,
    record,
    validate_one,
)
from registry.interop.importers.repair import repaired
from registry.interop.importers.report import ReportRow
from registry.inventory.validation import MAX_OWNER_REF, AssetInput, parse_asset_feature
from registry.inventory.vocabulary import LINE_KINDS

log = logging.getLogger(__name__)

SUPPORTED_TYPES = (0, 1, 3, 4, 5)  # Point, LineString, Polygon, MultiPoint, MultiLineString
LINE_KIND_NAMES = np.array(sorted(k.value for k in LINE_KINDS), dtype=object)
POINT_PLACEHOLDER = {"type": "Point", "coordinates": [0.0, 0.0]}
LINE_PLACEHOLDER = {"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0]]}


@dataclass(frozen=True)
class Values:
    """Validated properties besides ref and geometry, shared by a group of features."""

    kind: str
    status: str
    sensitivity: str
    attributes: str  # canonical JSON
    capacity: str  # canonical JSON: {resource: {"total": n, "heights": [...]}}


@dataclass
class Validated:
    """The valid features in file order, and the report rows of the invalid ones."""

    number: np.ndarray  # 1-based feature numbers
    refs: list[str]
    geoms: np.ndarray  # shapely, EPSG:4326
    group: np.ndarray  # index into `values` per feature
    values: list[Values]
    rejected: list[ReportRow]
    skipped: int = 0

    def __len__(self) -> int:
        return len(self.number)

    def take(self, keep: np.ndarray) -> Validated:
        """Only the features where `keep` is True."""
        return dataclasses.replace(
            self,
            number=self.number[keep],
            refs=[r for r, k in zip(self.refs, keep.tolist(), strict=True) if k],
            geoms=self.geoms[keep],
            group=self.group[keep],
        )


def values_of(data: AssetInput) -> Values:
    return Values(
        data.kind.value,
        data.status.value,
        data.sensitivity.value,
        canonical(data.attributes),
        capacity_json(data),
    )


def ref_text(value) -> str | None:
    """The owner_ref a mapped value gives (as Mapping.apply + validate_owner_ref), else None."""
    if type(value) is str:  # the common case, first
        text = value.strip()
        return text if text and len(value) <= MAX_OWNER_REF else None
    if value is None or is_empty(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = str(int(value))
    elif not isinstance(value, str):
        value = str(value)
    if len(value) > MAX_OWNER_REF or not value.strip():
        return None
    return value.strip()


def ref_texts(values: list) -> list[str | None]:
    """ref_text of each value; a column of plain, short text is checked in a few C passes."""
    if values and set(map(type, values)) == {str} and max(map(len, values)) <= MAX_OWNER_REF:
        stripped = list(map(str.strip, values))
        if min(map(len, stripped)):
            return stripped
    return [ref_text(v) for v in values]


def _ref_rule(ctx: Context) -> Rule | None:
    return next((r for r in ctx.mapping.rules if r.target == "owner_ref"), None)


def _rule_fields(rule: Rule) -> set[str]:
    if rule.template is not None:
        return set(template_fields(rule.template))
    return {rule.field} if rule.field is not None else set()


def _plain(rule: Rule) -> bool:
    plain = (rule.template, rule.type, rule.map, rule.pattern, rule.scale, rule.default)
    return rule.field is not None and all(v is None for v in plain) and not rule.number_repeats


def _raw_refs(ctx: Context, rows: np.ndarray) -> list:
    table = ctx.table
    if ctx.mapping.rules is None:
        rule = Rule("owner_ref", field="owner_ref")
    else:
        rule = _ref_rule(ctx)
        if rule is None:
            return [None] * len(rows)
    if _plain(rule):
        if rule.field not in table.fields:
            return [None] * len(rows)
        column = table.columns[table.fields.index(rule.field)]
        return [column[i] for i in rows.tolist()]
    out = []
    for i in rows.tolist():
        try:
            out.append(rule.value_for(record(ctx, i)))
        except ValidationFailed:
            out.append(None)
    return out


def _group_fields(ctx: Context) -> list[str] | None:
    """The source fields the properties other than owner_ref depend on (None: no grouping)."""
    rules = ctx.mapping.rules
    if rules is None:
        return [f for f in ctx.table.fields if f != "owner_ref"]
    if ctx.extra and any(r.number_repeats and r.target != "owner_ref" for r in rules):
        return None
    used = set().union(*(_rule_fields(r) for r in rules if r.target != "owner_ref"))
    return [f for f in ctx.table.fields if f in used]


def _codes(column: list, rows: np.ndarray, arrow=None) -> np.ndarray:
    """A small integer per distinct value (missing values share one); arrow hashes in C
    (`arrow`: the column as read, when it was read as Arrow text)."""
    try:
        array = pa.array(column, from_pandas=True) if arrow is None else arrow
        encoded = array.dictionary_encode()
    except (pa.ArrowException, ValueError, TypeError):  # mixed or nested cells
        return _python_codes(column, rows)
    missing = len(encoded.dictionary)
    codes = encoded.indices.fill_null(missing).to_numpy(zero_copy_only=False)
    return codes.astype(np.int64)[rows]


def _python_codes(column: list, rows: np.ndarray) -> np.ndarray:
    seen: dict = {}
    try:
        # NaN != NaN: fold every NaN (a missing number) into None, so they share a code.
        cells = map(column.__getitem__, rows.tolist())
        codes = [seen.setdefault(v if v == v else None, len(seen)) for v in cells]
    except TypeError:  # unhashable cells (list fields): no sharing
        return np.arange(len(rows))
    return np.asarray(codes, dtype=np.int64)


def _group_ids(ctx: Context, rows: np.ndarray, fields: list[str]) -> np.ndarray:
    """A group number per row: rows with the same values in `fields` share it."""
    if not fields or not len(rows):
        return np.zeros(len(rows), dtype=np.int64)
    table = ctx.table
    at = [table.fields.index(f) for f in fields]
    arrow = table.arrow or [None] * len(table.fields)
    codes = [_codes(table.columns[i], rows, arrow[i]) for i in at]
    sizes = [int(c.max()) + 1 for c in codes]
    if float(np.prod(sizes, dtype=float)) < 2**62:
        key = np.zeros(len(rows), dtype=np.int64)
        for c, size in zip(codes, sizes, strict=True):
            key = key * size + c
        return np.unique(key, return_inverse=True)[1].ravel()
    return np.unique(np.column_stack(codes), axis=0, return_inverse=True)[1].ravel()


def _group_values(ctx: Context, group_mapping, rec: dict) -> Values | None:
    """The validated shared properties of one group's first record (None: some are invalid)."""
    if ctx.mapping.rules is None:
        rec.pop("owner_ref", None)
    try:
        props = group_mapping.apply(rec)
        if ctx.kind:
            props["kind"] = ctx.kind
        props["owner_ref"] = "ref"  # checked per feature
        is_line = props.get("kind") in LINE_KIND_NAMES
        geometry = LINE_PLACEHOLDER if is_line else POINT_PLACEHOLDER
        feature = {"type": "Feature", "geometry": geometry, "properties": props}
        return values_of(parse_asset_feature(feature, ctx.owner_id))
    except ValidationFailed:
        return None


def _remembered(ctx: Context, group_mapping, index: int, at: list[int]) -> Values | None:
    """_group_values of feature `index`, looked up in ctx.memo first, by its values in the
    grouped columns `at` (with their types: 1, 1.0 and True are different cells)."""
    if ctx.memo is None:
        return _group_values(ctx, group_mapping, record(ctx, index))
    cells = [ctx.table.columns[k][index] for k in at]
    key = tuple((type(v), v) for v in cells)
    try:
        return ctx.memo[key]
    except KeyError:
        found = ctx.memo[key] = _group_values(ctx, group_mapping, record(ctx, index))
        return found
    except TypeError:  # an unhashable cell (a list): not remembered
        return _group_values(ctx, group_mapping, record(ctx, index))


def _groups(ctx: Context, rows: np.ndarray) -> tuple[np.ndarray, list[Values | None]]:
    fields = _group_fields(ctx)
    if fields is None:
        return np.zeros(len(rows), dtype=np.int64), [None]
    group = _group_ids(ctx, rows, fields)
    first = np.full(int(group.max()) + 1 if len(group) else 0, -1, dtype=np.int64)
    first[group[::-1]] = rows[::-1]  # the first row of each group wins
    rules = ctx.mapping.rules
    group_mapping = ctx.mapping
    if rules is not None:
        kept = tuple(r for r in rules if r.target != "owner_ref")
        group_mapping = dataclasses.replace(ctx.mapping, rules=kept)
    at = [ctx.table.fields.index(f) for f in fields]
    values = [_remembered(ctx, group_mapping, i, at) for i in first.tolist()]
    log.info("%d features share %d distinct sets of properties", len(rows), len(values))
    return group, values


def _repair(ctx: Context, geoms: np.ndarray, ok: np.ndarray) -> None:
    if not ctx.mapping.repair:
        return
    for i in np.flatnonzero(shapely.get_type_id(geoms) == 1).tolist():
        fixed = repaired(shapely.geometry.mapping(geoms[i]), ctx.mapping.repair)
        try:
            geoms[i] = shapely.geometry.shape(fixed)
        except (ValueError, shapely.errors.GEOSException):
            ok[i] = False


def _geometry_ok(geoms: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """True where check_asset_geometry would accept the geometry for the row's kind."""
    types = shapely.get_type_id(geoms)
    ok = np.isin(types, SUPPORTED_TYPES) & ~shapely.is_empty(geoms)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    inside = np.isfinite(coords).all(axis=1)
    with np.errstate(invalid="ignore"):
        inside &= (np.abs(coords[:, 0]) <= 180) & (np.abs(coords[:, 1]) <= 90)
    ok[index[~inside]] = False
    is_line = np.isin(kinds, LINE_KIND_NAMES)
    with np.errstate(invalid="ignore"):
        fits = np.where(is_line, (types == 1) & (shapely.length(geoms) > 0), types == 0)
    return ok & fits


def validate(ctx: Context) -> Validated:
    """Validate every kept feature of the source; see the module docstring."""
    rows = np.flatnonzero(ctx.keep)
    refs = ref_texts(_raw_refs(ctx, rows))
    group, values = _groups(ctx, rows)
    ok = np.array([r is not None for r in refs], dtype=bool) if len(rows) else np.zeros(0, bool)
    good_group = np.array([v is not None for v in values], dtype=bool)
    ok &= good_group[group] if len(rows) else ok
    kinds = np.array([v.kind if v else "" for v in values], dtype=object)[group]
    geoms = ctx.table.geometries[rows]
    _repair(ctx, geoms, ok)
    ok &= _geometry_ok(geoms, kinds)
    out = Validated(rows[ok] + 1, [r for r, k in zip(refs, ok.tolist(), strict=True) if k],
                    geoms[ok], group[ok], list(values), [], len(ctx.table) - len(rows))  # fmt: skip
    _slow_path(ctx, rows[~ok], out)
    return out


def _slow_path(ctx: Context, rows: np.ndarray, out: Validated) -> None:
    """Validate the doubted rows one by one; merge the valid ones back in file order."""
    if not len(rows):
        return
    log.info("%d features validated one by one", len(rows))
    extra_number, extra_refs, extra_geoms, extra_group = [], [], [], []
    for index in rows.tolist():
        result = validate_one(ctx, index)
        if isinstance(result, ReportRow):
            out.rejected.append(result)
            continue
        extra_number.append(index + 1)
        extra_refs.append(result.owner_ref)
        extra_geoms.append(result.geometry)
        extra_group.append(len(out.values))
        out.values.append(values_of(result))
    if not extra_number:
        return
    number = np.concatenate([out.number, np.asarray(extra_number, dtype=np.int64)])
    order = np.argsort(number, kind="stable")
    refs = out.refs + extra_refs
    out.number = number[order]
    out.refs = [refs[i] for i in order.tolist()]
    more = np.empty(len(extra_geoms), dtype=object)
    more[:] = extra_geoms
    out.geoms = np.concatenate([out.geoms, more])[order]
    out.group = np.concatenate([out.group, np.asarray(extra_group, dtype=np.int64)])[order]
