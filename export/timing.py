"""Per-call latency as the live engine sees it: one call at a time, percentiles in ms."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float
    calls: int

    def __str__(self) -> str:
        return f"p50 {self.p50_ms:.3f} ms, p99 {self.p99_ms:.3f} ms ({self.calls} calls)"


def timed_calls(call: Callable[[], object], calls: int, warmup: int) -> np.ndarray:
    """Seconds per call, one call at a time, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        call()
    times = np.empty(calls, dtype=np.float64)
    clock = time.perf_counter_ns
    for i in range(calls):
        start = clock()
        call()
        times[i] = clock() - start
    return times / 1e9


def measure(call: Callable[[], object], calls: int = 500, warmup: int = 50) -> Latency:
    p50, p99 = np.percentile(timed_calls(call, calls, warmup), (50, 99)) * 1e3
    return Latency(float(p50), float(p99), calls)


def calls_for(seconds: float, one_call_ms: float, low: int = 20, high: int = 2000) -> int:
    """How many calls fit a time budget, so a slow model is not timed for minutes."""
    return int(np.clip(seconds * 1000 / max(one_call_ms, 1e-3), low, high))
