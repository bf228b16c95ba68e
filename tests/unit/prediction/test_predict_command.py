from __future__ import annotations

import json
from pathlib import Path

import pytest
from prediction_helpers import make_runs, signature
from yarn_elastic.cli import main
from yarn_elastic.prediction.model_store import ModelStore
from yarn_elastic.prediction.xgb_curves import TrainingParams


@pytest.fixture
def db(tmp_path: Path) -> Path:
    store = ModelStore(tmp_path / "core.db", params=TrainingParams(n_estimators=5, max_depth=3))
    for run in make_runs(5, signature("nightly-etl"), seed=5):
        store.record_run(run)
    store.retrain()
    store.close()
    return tmp_path / "core.db"


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", "--help"])
    assert exit_info.value.code == 0
    assert "--explain" in capsys.readouterr().out


def test_explain_says_which_predictor_and_why(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", "--app-name", "nightly-etl", "--db", str(db), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "5 stored runs" in out
    assert "executor: chose " in out and "lowest mean error" in out
    assert "validation error" in out and "lp-skyline" in out


def test_json_output(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", "--app-name", "nightly-etl", "--db", str(db), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    executor = report["roles"]["executor"]
    assert len(executor["point"]) == 4 and executor["slots"] == len(executor["point"][0])


@pytest.mark.parametrize(("name", "expected"), [
    # Another setting of a stored job: its curve, rescaled by the feature model.
    ("nightly-etl", "chose xgboost-anchored: no earlier run; the nearest setting of this job"),
    # A job never stored: the feature model alone.
    ("brand-new", "chose xgboost: no earlier run; predicted from the job's features"),
])
def test_a_setting_never_seen_is_predicted_from_what_is_known(
    db: Path, capsys: pytest.CaptureFixture[str], name: str, expected: str
) -> None:
    code = main(["predict", "--app-name", name, "--db", str(db), "--executor-cores", "8",
                 "--explain"])
    assert code == 0
    assert expected in capsys.readouterr().out


def test_unknown_job_without_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["predict", "--app-name", "nobody", "--db", str(tmp_path / "empty.db")])
    assert code == 1
    assert "no prediction" in capsys.readouterr().out


def test_bad_conf_value_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "yarn-site.xml"
    conf.write_text(
        "<configuration><property><name>yarn.elastic.prediction.validation-runs</name>"
        "<value>zero</value></property></configuration>"
    )
    code = main(["predict", "--app-name", "x", "--conf", str(conf), "--db",
                 str(tmp_path / "a.db")])
    assert code == 2
    assert "yarn.elastic.prediction.validation-runs" in capsys.readouterr().err
