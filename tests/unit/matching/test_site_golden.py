"""Site reports stay byte-identical to the stored ones (before the compiled hot path)."""

from __future__ import annotations

from tests.unit.matching import golden_sites


def test_site_reports_equal_the_stored_golden_reports():
    found = golden_sites.dumps(golden_sites.reports()).splitlines()
    stored = golden_sites.load().splitlines()
    assert len(found) == len(stored)
    for k, (mine, theirs) in enumerate(zip(found, stored, strict=True)):
        assert mine == theirs, f"report {k} differs from the golden one"
