from __future__ import annotations

import pytest
from yarn_elastic.prediction.signature import (
    JobSignature,
    from_recurrence_id,
    input_size_bucket,
    make_signature,
    to_recurrence_id,
)


def test_same_fields_same_key_and_tags_are_normalised() -> None:
    a = make_signature("etl", "SPARK", "q", "u", 2, 4096, 10e9, ["Nightly", "hibench", "nightly"])
    b = make_signature("etl", "SPARK", "q", "u", 2, 4096, 10.5e9, ["hibench", "nightly", "runid:7"])
    assert a == b
    assert a.key == b.key and len(a.key) == 16
    assert a.tags == ("hibench", "nightly")


def test_settings_that_differ_give_different_keys() -> None:
    base = make_signature("etl", executor_cores=2, executor_memory_mb=4096, input_bytes=8e9)
    for other in (
        make_signature("etl", executor_cores=4, executor_memory_mb=4096, input_bytes=8e9),
        make_signature("etl", executor_cores=2, executor_memory_mb=8192, input_bytes=8e9),
        make_signature("etl", executor_cores=2, executor_memory_mb=4096, input_bytes=32e9),
        make_signature("etl", queue="other", executor_cores=2, executor_memory_mb=4096,
                       input_bytes=8e9),
    ):
        assert other.key != base.key


def test_input_size_buckets() -> None:
    assert input_size_bucket(None) is None
    assert input_size_bucket(0) is None
    assert input_size_bucket(float("nan")) is None
    assert input_size_bucket(1 << 30) == 30


def test_empty_name_is_refused() -> None:
    with pytest.raises(ValueError, match="application name"):
        JobSignature("")


def test_recurrence_id_maps_both_ways() -> None:
    run = from_recurrence_id("tpch_q12", "3")
    assert run.signature.app_name == "tpch_q12" and run.run_id == "3"
    assert to_recurrence_id(run) == ("tpch_q12", "3")
    richer = type(run)(make_signature("tpch_q12", executor_cores=2), "4")
    pipeline, run_id = to_recurrence_id(richer)
    assert pipeline == f"tpch_q12@{richer.signature.key}" and run_id == "4"
    with pytest.raises(ValueError):
        from_recurrence_id("", "1")
