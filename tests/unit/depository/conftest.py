"""Fixtures of the depository tests: a fresh store and depository per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from usage_reports import LIMITS, NOW_MS
from yarn_elastic.depository.service import Depository
from yarn_elastic.depository.store import UsageStore


@pytest.fixture
def store(tmp_path: Path) -> UsageStore:
    s = UsageStore(tmp_path / "usage.db")
    yield s
    s.close()


@pytest.fixture
def depository(store: UsageStore) -> Depository:
    return Depository(store, LIMITS, clock=lambda: NOW_MS)
