from __future__ import annotations

import copy
from typing import Any

import pytest
from usage_reports import CONTAINER, NOW_MS, report, sample
from yarn_elastic.depository.report import Limits, ReportError, app_id_of, parse_report

LIMITS = Limits(max_samples=10, max_clock_skew_ms=60_000)


def refused(payload: Any, sent_at_ms: int | None = None) -> ReportError:
    with pytest.raises(ReportError) as info:
        parse_report(payload, NOW_MS, LIMITS, sent_at_ms)
    return info.value


def test_a_good_report_becomes_typed_rows() -> None:
    parsed = parse_report(report(), NOW_MS, LIMITS, NOW_MS)
    assert parsed.node == "node1:8041"
    assert parsed.samples[0][:3] == (CONTAINER, NOW_MS, 1.0)
    assert parsed.containers[0].app_id == "application_1700000000000_0001"
    assert parsed.sample_count == 2


def test_app_id_is_derived_from_container_ids_with_and_without_epoch() -> None:
    assert app_id_of("container_1410901177871_0001_01_000005") == "application_1410901177871_0001"
    assert app_id_of("container_e17_1410901177871_0001_01_000005") == (
        "application_1410901177871_0001"
    )


@pytest.mark.parametrize(
    ("mutate", "status", "words"),
    [
        (lambda r: r.update(schema=2), 400, "schema 1"),
        (lambda r: r.update(batch_id="has space"), 400, "batch_id"),
        (lambda r: r.update(samples="nope"), 400, "report.samples must be an array"),
        (lambda r: r["samples"][0].update(cpu_cores="1"), 400, "samples[0].cpu_cores"),
        (lambda r: r["samples"][0].update(cpu_cores=True), 400, "samples[0].cpu_cores"),
        (lambda r: r["samples"][0].update(rss_bytes=-1), 400, "must not be negative"),
        (lambda r: r["samples"][0].update(rss_bytes=1.5), 400, "samples[0].rss_bytes"),
        (lambda r: r["samples"][0].update(ts_ms=1_700_000_000), 400, "epoch milliseconds"),
        (lambda r: r["samples"][0].update(net_method="magic"), 400, "net_method"),
        (lambda r: r["samples"][0].update(progress=1.5), 400, "progress"),
        (lambda r: r["samples"][0].update(container_id="c1"), 400, "not a container id"),
        (lambda r: r["containers"][0].update(app_id="application_1_0002"), 400, "does not own"),
        (lambda r: r["node_samples"][0].pop("mem_total_bytes"), 400, "mem_total_bytes"),
        (lambda r: r["samples"][0].update(ts_ms=NOW_MS + 61_000), 422, "clock skew"),
        (lambda r: r.update(samples=[sample(ts_ms=NOW_MS - i) for i in range(10)]), 413,
         "max-batch-samples"),
    ],
)
def test_bad_reports_are_refused_naming_the_field(mutate: Any, status: int, words: str) -> None:
    payload = copy.deepcopy(report())
    mutate(payload)
    error = refused(payload)
    assert error.status == status
    assert words in error.message


def test_an_agent_clock_far_from_the_cores_is_refused_as_skew() -> None:
    error = refused(report(), sent_at_ms=NOW_MS - 3_600_000)
    assert error.status == 422 and "NTP" in error.message


def test_a_non_object_is_refused() -> None:
    assert refused([1, 2]).status == 400
