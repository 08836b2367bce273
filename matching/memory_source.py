"""An in-memory AssetSource (a dict and a seq counter) for tests and benchmarks."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Mapping, Sequence

from matching.records import AssetRecord


class MemorySource:
    """Holds records by id and logs every write with a new, increasing seq."""

    def __init__(self, records: Iterable[AssetRecord] = ()) -> None:
        self._lock = threading.Lock()
        self._records: dict[int, AssetRecord] = {}
        self._log_seq: list[int] = []
        self._log_id: list[int] = []
        self._seq = 0
        self.put_many(records)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, asset_id: int) -> bool:
        return asset_id in self._records

    def get(self, asset_id: int) -> AssetRecord:
        return self._records[asset_id]

    def _log(self, asset_id: int) -> None:
        self._log_seq.append(self._seq)
        self._log_id.append(asset_id)

    def put(self, record: AssetRecord) -> int:
        """Insert or replace one record; returns the new seq."""
        with self._lock:
            self._seq += 1
            self._records[record.id] = record
            self._log(record.id)
            return self._seq

    def put_many(self, records: Iterable[AssetRecord]) -> int:
        """Insert or replace many records under one seq (one transaction)."""
        with self._lock:
            self._seq += 1
            for record in records:
                self._records[record.id] = record
                self._log(record.id)
            return self._seq

    def delete(self, asset_id: int) -> int:
        with self._lock:
            self._seq += 1
            self._records.pop(asset_id, None)
            self._log(asset_id)
            return self._seq

    def current_seq(self) -> int:
        return self._seq

    def snapshot(self) -> tuple[int, list[AssetRecord]]:
        with self._lock:
            return self._seq, list(self._records.values())

    def records(self) -> list[AssetRecord]:
        return self.snapshot()[1]

    def changes_since(self, seq: int) -> tuple[int, Sequence[int]]:
        with self._lock:
            start = bisect.bisect_right(self._log_seq, seq)
            return self._seq, sorted(set(self._log_id[start:]))

    def fetch(self, ids: Sequence[int]) -> Mapping[int, AssetRecord]:
        with self._lock:
            return {i: self._records[i] for i in ids if i in self._records}


class FrozenSource:
    """A source that never changes: for an index loaded from columns (`AssetIndex.load`)
    that answers at one seq, such as a batch partition read from a snapshot."""

    def __init__(self, seq: int) -> None:
        self._seq = seq

    def current_seq(self) -> int:
        return self._seq

    def snapshot(self) -> tuple[int, list[AssetRecord]]:
        return self._seq, []

    def changes_since(self, seq: int) -> tuple[int, Sequence[int]]:
        return max(seq, self._seq), []

    def fetch(self, ids: Sequence[int]) -> Mapping[int, AssetRecord]:
        return {}
