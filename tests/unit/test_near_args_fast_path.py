"""GET /assets' near-only arguments skip marshmallow's machinery: whatever the text, the
answer (or the refusal) is the schema's own."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import EXCLUDE, Schema, ValidationError
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import ImmutableMultiDict

from api.assets.resources import ASSET_QUERY_ARGS


def _both(pairs):
    """(the fast path's answer, the schema's own) for these query pairs: a dict, or the
    ValidationError's messages."""
    answers = []
    for load in (ASSET_QUERY_ARGS.load, lambda d, **k: Schema.load(ASSET_QUERY_ARGS, d, **k)):
        data = MultiDictProxy(ImmutableMultiDict(pairs), ASSET_QUERY_ARGS)
        try:
            answers.append(load(data, unknown=EXCLUDE))
        except ValidationError as exc:
            answers.append(exc.messages)
    return answers


NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-200, 200).map(lambda v: f"{v:.6f}"),
    st.integers(-100_000, 100_000).map(str),
    st.sampled_from(["", " 5", "5 ", "1e3", "1_000", "٥", "0x10", "nan", "-0", "0", "0.0",
                     "50000", "50000.0000001", "+7", ".5", "5.", "1" * 30]),
)  # fmt: skip
NEAR = st.one_of(
    st.tuples(NUMBER, NUMBER).map(",".join),
    st.sampled_from(["9.52,47.14", "47.14,9.52", "22.817,108.366", "1,2,3", "1", "", ",",
                     "181,0", "0,91", "-180,-90", "180,90", "1;2", " 9.5 , 47.1 "]),
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(NEAR, NUMBER)
def test_near_and_radius_alone_load_as_the_schema_loads_them(near, radius):
    fast, full = _both([("near", near), ("radius_m", radius)])
    assert fast == full


@pytest.mark.parametrize(
    "pairs",
    [
        [("near", "9.52,47.14"), ("radius_m", "500"), ("limit", "5")],
        [("near", "9.52,47.14"), ("radius_m", "500"), ("kind", "duct")],
        [("near", "9.52,47.14"), ("near", "1,2"), ("radius_m", "500")],
        [("near", "9.52,47.14")],
        [("radius_m", "500")],
        [("near", "9.52,47.14"), ("radius_m", "0")],
        [("near", "9.52,47.14"), ("radius_m", "50001")],
        [("near", "47.14,9.52"), ("radius_m", "500")],
        [("near", "108.366,22.817"), ("radius_m", "500"), ("bogus", "1")],
    ],
)
def test_other_queries_load_as_the_schema_loads_them(pairs):
    fast, full = _both(pairs)
    assert fast == full


def test_a_near_list_takes_the_fast_path_with_the_schema_defaults():
    data = MultiDictProxy(
        ImmutableMultiDict([("near", "9.52,47.14"), ("radius_m", "500")]), ASSET_QUERY_ARGS
    )
    assert ASSET_QUERY_ARGS._near_only(data) == {
        "near": (9.52, 47.14), "radius_m": 500.0, "limit": 100, "offset": 0
    }  # fmt: skip
    # a swapped pair is not for the fast path: the schema says why, with its hint
    swapped = MultiDictProxy(
        ImmutableMultiDict([("near", "22.817,108.366"), ("radius_m", "500")]), ASSET_QUERY_ARGS
    )
    assert ASSET_QUERY_ARGS._near_only(swapped) is None
    with pytest.raises(ValidationError, match=r"\[lon, lat\]"):
        ASSET_QUERY_ARGS.load(swapped, unknown=EXCLUDE)


def test_the_export_schema_loads_a_near_query_its_own_way():
    """GET /exports' schema (a subclass: `limit` has no default there) takes no fast path."""
    from api.exports.schemas import ExportQueryArgsSchema

    schema = ExportQueryArgsSchema()
    data = MultiDictProxy(ImmutableMultiDict([("near", "9.52,47.14"), ("radius_m", "500")]), schema)
    loaded = schema.load(data, unknown=EXCLUDE)
    assert loaded == Schema.load(schema, data, unknown=EXCLUDE)
    assert "limit" not in loaded and loaded["offset"] == 0
