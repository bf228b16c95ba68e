from __future__ import annotations

from pathlib import Path

import pytest
from usage_reports import APP, CONTAINER, LIMITS, NOW_MS, report, sample
from yarn_elastic.cli import main
from yarn_elastic.depository.report import parse_report
from yarn_elastic.depository.store import UsageStore


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "core.db"
    store = UsageStore(path)
    payload = report(samples=[sample(ts_ms=NOW_MS - 3000 * i, cpu_cores=0.5 * i)
                              for i in range(4)])
    store.ingest(parse_report(payload, NOW_MS, LIMITS.report, None), NOW_MS)
    store.close()
    return path


def test_usage_prints_each_containers_curve_as_a_table(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["usage", "--app", APP, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert CONTAINER in out and "nightly-etl" in out
    assert out.count(" raw ") == 4 and "1.50" in out


def test_usage_draws_a_plot(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "usage.png"
    assert main(["usage", "--app", APP, "--db", str(db), "--plot", str(target)]) == 0
    assert target.read_bytes()[:4] == b"\x89PNG"


def test_usage_explains_bad_input(db: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["usage", "--app", "app_1", "--db", str(db)]) == 2
    assert main(["usage", "--app", "application_1_1", "--db", str(db)]) == 1
    assert main(["usage", "--app", APP, "--db", str(tmp_path / "none.db")]) == 1
    err = capsys.readouterr().err
    assert "not an application id" in err and "no usage recorded" in err and "does not exist" in err
