"""Planning rules without a database: open terms, co-build overlap, webhook signatures."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from shapely.geometry import LineString, Point

from registry.errors import ValidationFailed
from registry.notify.delivery import backoff, sign
from registry.planning.overlap import fits, shared_stretch_m, site_distance_m
from registry.planning.rules import CoBuildRules
from registry.planning.terms import split_common, validate_open_terms

TERMS = {
    "price_per_unit_year": 600,
    "currency": "CNY",
    "contact": "ops@example.cn",
    "valid_until": "2030-12-31",
}


def test_valid_terms_are_normalised():
    assert validate_open_terms(TERMS) == {**TERMS, "price_per_unit_year": 600.0}


@pytest.mark.parametrize(
    "change,field",
    [
        ({"price_per_unit_year": "600"}, "price_per_unit_year"),
        ({"price_per_unit_year": float("nan")}, "price_per_unit_year"),
        ({"currency": "cny"}, "currency"),
        ({"contact": "  "}, "contact"),
        ({"valid_until": "2030-02-30"}, "valid_until"),
        ({"conditions": "x" * 2001}, "conditions"),
        ({"rebate": 1}, "rebate"),
    ],
)
def test_each_bad_term_names_its_field(change, field):
    with pytest.raises(ValidationFailed) as caught:
        validate_open_terms({**TERMS, **change})
    assert caught.value.field == f"properties.open_terms.{field}"


def test_common_attributes_are_split_from_the_kinds_own():
    own, common = split_common({"height_m": 12, "open_terms": TERMS, "planned_date": "2027-01-05"})
    assert own == {"height_m": 12} and set(common) == {"open_terms", "planned_date"}
    with pytest.raises(ValidationFailed, match="planned_date"):
        split_common({"planned_date": "next spring"})


def test_sites_overlap_within_the_distance_only():
    rules = CoBuildRules(site_distance_m=300)
    a, b, c = Point(108.3665, 22.8172), Point(108.3675, 22.8172), Point(108.3765, 22.8172)
    assert site_distance_m(a, b) == pytest.approx(102.6, abs=0.5)
    assert fits("site", [a, b], rules) is not None
    assert fits("site", [a, b, c], rules) is None


def test_routes_share_only_what_runs_alongside_within_the_corridor():
    one = LineString([(108.3602, 22.8101), (108.3695, 22.8101)])
    beside = LineString([(108.3631, 22.81028), (108.3760, 22.81028)])  # 20 m north
    assert shared_stretch_m([one, beside], 50) == pytest.approx(656, rel=0.01)
    assert shared_stretch_m([one, beside], 10) == 0.0
    assert fits("route", [one, beside], CoBuildRules(min_shared_m=700)) is None


def test_a_signature_is_hmac_sha256_of_timestamp_and_body():
    body = b'{"event": 1}'
    mac = hmac.new(b"secret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("secret", "1700000000", body) == f"sha256={mac}"


def test_backoff_doubles():
    assert [backoff(n) for n in (1, 2, 3)] == [dt.timedelta(seconds=s) for s in (30, 60, 120)]
