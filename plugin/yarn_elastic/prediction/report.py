"""What `yarn-elastic predict` shows: a prediction per role as plain data, and its text form."""

from __future__ import annotations

from typing import Any

import numpy as np

from yarn_elastic.messages import RESOURCE_NAMES
from yarn_elastic.prediction.forecaster import Forecaster
from yarn_elastic.prediction.model_store import ModelStore
from yarn_elastic.prediction.signature import JobSignature, make_signature

__all__ = ["predict_report", "render_text", "resolve_signature"]


def resolve_signature(
    store: ModelStore, app_name: str, fields: dict[str, Any]
) -> tuple[JobSignature, list[str]]:
    """The signature asked for; when only a name is given, the stored signature of that name
    with the most recent run. Returns notes for the operator."""
    given = {k: v for k, v in fields.items() if v not in (None, [], ())}
    known = store.signatures_named(app_name)
    if given or not known:
        fields = {"app_type": "SPARK"} | given
        return make_signature(app_name, **fields), []
    latest = max(known, key=lambda s: max((r.finished_ms for r in store.runs(s)), default=0))
    notes = []
    if len(known) > 1:
        notes.append(
            f"{len(known)} settings of {app_name} are stored; using the most recent one "
            "(give --executor-cores/--executor-memory-mb/--input-bytes to choose)"
        )
    return latest, notes


def predict_report(
    store: ModelStore, app_name: str, fields: dict[str, Any], validation_runs: int = 3
) -> dict[str, Any]:
    signature, notes = resolve_signature(store, app_name, fields)
    # Runs are read once: calibration, the job and its siblings all use them.
    forecaster = Forecaster(store.runs(), store.feature_model(), validation_runs)
    runs = forecaster.runs_of(signature)
    roles = forecaster.roles_of(signature) or ["am", "executor"]
    out: dict[str, Any] = {
        "signature": signature.describe(), "signature_key": signature.key,
        "runs": len(runs), "slot_ms": store.slot_ms, "notes": notes,
        "feature_model": forecaster.model is not None,
        "roles": {},
    }
    input_bytes = fields.get("input_bytes")
    for role in roles:
        prediction, choice = forecaster.predict(signature, role, input_bytes)
        entry: dict[str, Any] = {
            "predictor": choice.predictor, "reason": choice.reason,
            "validation_error": {k: None if np.isnan(v) else round(v, 4)
                                 for k, v in choice.scores.items()},
        }
        if prediction is None:
            out["notes"].append(f"role {role}: {choice.reason}")
            continue
        entry |= {
            "slots": int(prediction.point.shape[1]),
            "peak": dict(zip(RESOURCE_NAMES, np.round(prediction.point.max(axis=1), 3).tolist(),
                             strict=True)),
            "upper_peak": dict(zip(RESOURCE_NAMES,
                                   np.round(prediction.upper.max(axis=1), 3).tolist(),
                                   strict=True)),
            "point": np.round(prediction.point, 3).tolist(),
            "upper": np.round(prediction.upper, 3).tolist(),
        }
        out["roles"][role] = entry
    return out


def render_text(report: dict[str, Any], explain: bool) -> str:
    lines = [f"job: {report['signature']} (key {report['signature_key']}, "
             f"{report['runs']} stored runs)"]
    lines += [f"note: {n}" for n in report["notes"]]
    for role, entry in report["roles"].items():
        peaks = ", ".join(f"{k}={v}" for k, v in entry["peak"].items())
        uppers = ", ".join(f"{k}={v}" for k, v in entry["upper_peak"].items())
        lines.append(f"{role}: {entry['slots']} slots of {report['slot_ms']} ms by"
                     f" {entry['predictor']}; peak {peaks}")
        lines.append(f"{role}: upper band peak {uppers}")
        if explain:
            lines.append(f"{role}: chose {entry['predictor']}: {entry['reason']}")
            for name, error in sorted(entry["validation_error"].items(),
                                      key=lambda kv: (kv[1] is None, kv[1] or 0)):
                shown = "n/a" if error is None else f"{error:.1%}"
                lines.append(f"    {name:<12} validation error {shown}")
    if not report["roles"]:
        lines.append("no prediction: no stored history for this job and no feature model")
    return "\n".join(lines)
