"""Variable-length rows kept in one flat numpy array (CSR), with cheap per-row overrides."""

from __future__ import annotations

import numpy as np


def _spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ranges [start, start + length) as one index array, without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    shift = np.repeat(starts - (ends - lengths), lengths)
    return np.arange(total, dtype=np.int64) + shift


_FEW = 32  # up to this many rows, take() slices in Python (measured crossover ~40)


class Ragged:
    """Rows of differing length (free heights, owner refs, line vertices) in one array.

    Rows rewritten after the build go to `overrides` instead of re-packing the flat array;
    `take` folds them back in when the index compacts.
    """

    __slots__ = ("offsets", "overrides", "values")

    def __init__(self, offsets: np.ndarray, values: np.ndarray, overrides: dict | None = None):
        self.offsets = offsets
        self.values = values
        self.overrides: dict[int, np.ndarray] = overrides if overrides is not None else {}

    @classmethod
    def from_lengths(cls, lengths: np.ndarray, values: np.ndarray) -> Ragged:
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(offsets, values)

    @classmethod
    def from_strings(cls, strings: list[str] | tuple[str, ...]) -> Ragged:
        blob = "".join(strings).encode("utf-8")
        lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
        if len(blob) != lengths.sum():  # not pure ASCII: count bytes, not characters
            encoded = [s.encode("utf-8") for s in strings]
            lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        return cls.from_lengths(lengths, np.frombuffer(blob, dtype=np.uint8).copy())

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def get(self, i: int) -> np.ndarray:
        found = self.overrides.get(i)
        if found is not None:
            return found
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def get_str(self, i: int) -> str:
        return self.get(i).tobytes().decode("utf-8")

    def set(self, i: int, value: np.ndarray) -> None:
        self.overrides[i] = value

    def take(self, slots: np.ndarray) -> Ragged:
        """A packed copy holding only `slots`, in that order."""
        slots = np.asarray(slots, dtype=np.int64)
        if len(slots) <= _FEW:
            return self._take_few(slots)
        starts = self.offsets[slots]
        lengths = self.offsets[slots + 1] - starts
        hit = np.zeros(len(slots), dtype=bool)
        if self.overrides and len(slots):
            hit = np.isin(slots, np.fromiter(self.overrides, dtype=np.int64))
            for k in np.flatnonzero(hit):
                lengths[k] = len(self.overrides[int(slots[k])])
        out = Ragged.from_lengths(lengths, self.values[:0])
        values = np.empty((int(lengths.sum()), *self.values.shape[1:]), dtype=self.values.dtype)
        plain = ~hit
        src = _spans(starts[plain], lengths[plain])
        values[_spans(out.offsets[:-1][plain], lengths[plain])] = self.values[src]
        for k in np.flatnonzero(hit):
            values[out.offsets[k] : out.offsets[k + 1]] = self.overrides[int(slots[k])]
        out.values = values
        return out

    def _take_few(self, slots: np.ndarray) -> Ragged:
        """`take` for a handful of rows: slicing beats a dozen vectorised calls here."""
        pieces = [self.get(s) for s in slots.tolist()]
        lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        values = np.concatenate(pieces) if pieces else self.values[:0]
        return Ragged.from_lengths(lengths, values)

    def packed(self) -> Ragged:
        return self.take(np.arange(len(self))) if self.overrides else self

    @staticmethod
    def concat(parts: list) -> Ragged:
        """One packed Ragged from Ragged or RaggedView parts."""
        packed = [p.packed() for p in parts]
        lengths = np.concatenate([np.diff(p.offsets) for p in packed])
        return Ragged.from_lengths(lengths, np.concatenate([p.values for p in packed]))


class RaggedView:
    """Some rows of a Ragged, by reference rather than by copy.

    Safe to keep after the index lock is released: a Ragged's flat array is never written in
    place (updates go to `overrides`, compaction builds new arrays), and the overrides of the
    chosen rows are captured when the view is made.
    """

    __slots__ = ("ends", "overrides", "starts", "values")

    def __init__(self, values, starts: np.ndarray, ends: np.ndarray, overrides: dict) -> None:
        self.values = values
        self.starts = starts
        self.ends = ends
        self.overrides = overrides

    @classmethod
    def of(cls, ragged: Ragged, slots: np.ndarray) -> RaggedView:
        overrides = {}
        if ragged.overrides:
            for k, slot in enumerate(slots.tolist()):
                if slot in ragged.overrides:
                    overrides[k] = ragged.overrides[slot]
        return cls(ragged.values, ragged.offsets[slots], ragged.offsets[slots + 1], overrides)

    def __len__(self) -> int:
        return len(self.starts)

    def get(self, i: int) -> np.ndarray:
        if self.overrides and i in self.overrides:
            return self.overrides[i]
        return self.values[self.starts[i] : self.ends[i]]

    def get_str(self, i: int) -> str:
        return self.get(i).tobytes().decode("utf-8")

    def take(self, index: np.ndarray) -> RaggedView:
        index = np.asarray(index, dtype=np.int64)
        overrides = {}
        if self.overrides:
            overrides = {
                k: self.overrides[i] for k, i in enumerate(index.tolist()) if i in self.overrides
            }
        return RaggedView(self.values, self.starts[index], self.ends[index], overrides)

    def packed(self) -> Ragged:
        """A compact Ragged copy of these rows."""
        if len(self) <= _FEW or self.overrides:
            pieces = [self.get(i) for i in range(len(self))]
            lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
            values = np.concatenate(pieces) if pieces else self.values[:0]
            return Ragged.from_lengths(lengths, values)
        lengths = self.ends - self.starts
        return Ragged.from_lengths(lengths, self.values[_spans(self.starts, lengths)])
