"""What an import did: the summary counts and the validation report (one row per bad feature)."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

REPORT_COLUMNS = ("feature", "line", "owner_ref", "field", "reason")


class ReportRow(NamedTuple):
    """One bad feature: its number in the file (1-based), CSV line, ref, field and reason.

    Assets that --prune would delete but must keep (tenants hold capacity on them) are
    reported too, with feature 0.
    """

    feature: int
    line: int | None
    owner_ref: str | None
    field: str
    reason: str

    def as_json(self) -> dict:
        return self._asdict()


@dataclass
class ImportSummary:
    """Counts of one import run and its report; `committed` says whether anything was written."""

    file: str
    format: str
    crs: str
    owner_id: int
    features: int = 0
    skipped: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    deleted: int = 0
    kept: int = 0
    dry_run: bool = False
    committed: bool = False
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    report: list[ReportRow] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        """True when invalid features stopped the whole import (no --skip-invalid)."""
        return self.rejected > 0 and not self.committed and not self.dry_run

    def line(self) -> str:
        text = (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {self.rejected}"
        )
        if self.deleted or self.kept:
            text += f", deleted {self.deleted}, kept {self.kept} (live allocations)"
        if self.skipped:
            text += f", skipped {self.skipped} (mapping `where`)"
        if self.dry_run:
            return f"{text} — dry run, nothing written"
        if not self.committed:
            return f"{text} — rejected, nothing written"
        return text

    def as_json(self) -> dict:
        out = asdict(self)
        out["report"] = [row.as_json() for row in self.report]
        out["summary"] = self.line()
        return out


def write_report_csv(rows: list[ReportRow], path: str | Path) -> None:
    """Save the report as CSV with the columns feature, line, owner_ref, field, reason."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(REPORT_COLUMNS)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
