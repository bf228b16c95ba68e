"""The column-at-a-time check of samples must accept exactly what the per-sample check accepts
(or hand over to it) and yield the same rows."""

from __future__ import annotations

import copy
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from usage_reports import CONTAINER, NOW_MS, report, sample
from yarn_elastic.depository.report import (
    Limits,
    ReportError,
    _sample,
    parse_report,
    well_formed_samples,
)

LATEST_OK = NOW_MS + 60_000
FIELDS = ("container_id", "ts_ms", "cpu_cores", "rss_bytes", "pss_bytes", "disk_read_bps",
          "disk_write_bps", "net_rx_bps", "net_tx_bps", "net_method", "progress", "pids")
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.integers(10**12, 2 * 10**12),
    st.just(10**400), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3),
    st.sampled_from(["ss", "netns", "node", "none", "magic", "container_1_2_3_4", CONTAINER]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers()),
)


def strict(raw: list[Any]) -> list[Any] | ReportError:
    try:
        return [_sample(item, i, LATEST_OK) for i, item in enumerate(raw)]
    except ReportError as exc:
        return exc


@st.composite
def sample_lists(draw: st.DrawFn) -> list[Any]:
    samples: list[Any] = [sample(ts_ms=NOW_MS - 3000 * i, progress=0.5 if i % 2 else None)
                          for i in range(draw(st.integers(0, 4)))]
    for _ in range(draw(st.integers(0, 2))):
        if not samples:
            break
        index = draw(st.integers(0, len(samples) - 1))
        action = draw(st.sampled_from(["set", "drop", "replace"]))
        if action == "replace":
            samples[index] = draw(ODD_VALUES)
        elif isinstance(samples[index], dict):
            field = draw(st.sampled_from(FIELDS))
            if action == "drop":
                samples[index].pop(field, None)
            else:
                samples[index][field] = draw(ODD_VALUES)
    return samples


@settings(max_examples=400, deadline=None)
@given(sample_lists())
def test_fast_path_never_accepts_what_the_strict_path_refuses(raw: list[Any]) -> None:
    fast = well_formed_samples(copy.deepcopy(raw), LATEST_OK)
    expected = strict(raw)
    if fast is not None:
        assert not isinstance(expected, ReportError), expected.message
        assert len(fast) == len(expected)
        for got, want in zip(fast, expected, strict=True):
            assert [type(v) for v in got] == [type(v) for v in want]
            assert all(g == w or (isinstance(g, float) and math.isnan(g) and math.isnan(w))
                       for g, w in zip(got, want, strict=True))


def test_a_well_formed_report_takes_the_fast_path_with_ints_stored_as_floats() -> None:
    raw = [sample(cpu_cores=2, net_rx_bps=None, progress=1), sample(ts_ms=NOW_MS - 3000)]
    rows = well_formed_samples(raw, LATEST_OK)
    assert rows is not None
    assert rows[0][2] == 2.0 and type(rows[0][2]) is float
    assert rows[0][7] is None and rows[0][10] == 1.0
    assert rows == strict(raw)


def test_a_bad_sample_deep_in_a_report_is_still_named() -> None:
    payload = report([sample(ts_ms=NOW_MS - 3000 * i) for i in range(5)])
    payload["samples"][3]["cpu_cores"] = float("nan")
    try:
        parse_report(payload, NOW_MS, Limits(1000, 60_000), None)
    except ReportError as exc:
        assert exc.status == 400 and "samples[3].cpu_cores" in exc.message
    else:
        raise AssertionError("NaN was accepted")


def test_numbers_too_large_for_sqlite_are_refused_naming_the_field() -> None:
    for field, value in (("rss_bytes", 2**63), ("cpu_cores", 10**400), ("pss_bytes", 2**64)):
        payload = report([sample(**{field: value})])
        try:
            parse_report(payload, NOW_MS, Limits(1000, 60_000), None)
        except ReportError as exc:
            assert exc.status == 400 and f"samples[0].{field}" in exc.message
        else:
            raise AssertionError(f"{field}={value} was accepted")
