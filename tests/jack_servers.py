"""``tools/private_jack.py`` for tests: a missing jackd skips (fails in CI), a server that does
not start fails the test."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from conftest import in_ci

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from private_jack import PrivateJack as Server


def private_jack(rate: int, period: int, synchronous: bool = True) -> Server:
    if shutil.which("jackd") is None or shutil.which("jack_lsp") is None:
        if in_ci():
            pytest.fail("jackd is missing; `make jack` installs it", pytrace=False)
        pytest.skip("jackd is missing; `make jack` installs it")
    try:
        return Server(rate, period, synchronous)
    except RuntimeError as err:
        pytest.fail(str(err), pytrace=False)
