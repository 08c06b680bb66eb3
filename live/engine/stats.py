"""Fixed-size rings of timings, so the engine can report p50/p99 without allocating per note."""

from __future__ import annotations

import numpy as np


class TimingRing:
    """The last ``size`` samples (seconds); percentiles computed only when asked."""

    def __init__(self, size: int = 2048) -> None:
        self._data = np.zeros(size, dtype=np.float64)
        self._count = 0

    def add(self, seconds: float) -> None:
        self._data[self._count % len(self._data)] = seconds
        self._count += 1

    @property
    def count(self) -> int:
        return self._count

    def values(self) -> np.ndarray:
        return self._data[: min(self._count, len(self._data))]

    def percentile(self, q: float) -> float:
        values = self.values()
        return float(np.percentile(values, q)) if len(values) else 0.0

    def maximum(self) -> float:
        values = self.values()
        return float(np.abs(values).max()) if len(values) else 0.0
