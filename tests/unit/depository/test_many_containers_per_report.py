"""A report naming more containers than one SQL statement can bind (keys are looked up in
chunks): all stored, or, with one unknown among them, none."""

from __future__ import annotations

import pytest
from usage_reports import LIMITS, NOW_MS, report, sample
from yarn_elastic.depository.report import ReportError, parse_report
from yarn_elastic.depository.store import UsageStore

IDS = [f"container_e01_1700000000000_0001_01_{n:06d}" for n in range(1, 901)]


def test_nine_hundred_containers_declared_then_referred_to(store: UsageStore) -> None:
    first = report([sample(c) for c in IDS])
    stored = store.ingest(parse_report(first, NOW_MS, LIMITS.report, None), NOW_MS)
    assert stored.samples_stored == len(IDS) + 1
    # A restarted core has no cached keys: the next report's undeclared containers are found.
    reopened = UsageStore(store.path)
    later = report([sample(c, ts_ms=NOW_MS - 3000) for c in IDS], containers=[])
    again = reopened.ingest(parse_report(later, NOW_MS, LIMITS.report, None), NOW_MS)
    assert again.samples_stored == len(IDS)  # its node sample repeats the first one's ts
    curve = reopened.container_curve(IDS[-1])
    assert curve is not None and [p["ts_ms"] for p in curve] == [NOW_MS - 3000, NOW_MS]
    unknown = "container_e01_1700000000000_0001_01_999999"
    bad = report([sample(c, ts_ms=NOW_MS - 6000) for c in [*IDS, unknown]], containers=[])
    with pytest.raises(ReportError) as refused:
        reopened.ingest(parse_report(bad, NOW_MS, LIMITS.report, None), NOW_MS)
    assert refused.value.status == 422 and unknown in refused.value.message
    assert len(reopened.container_curve(IDS[0]) or []) == 2  # nothing of it was written
    reopened.close()
