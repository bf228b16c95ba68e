"""results/reliability.json, written by several runs (auth_probe, fuzz, ...): each replaces
only its own keys and leaves the others' figures as they were."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results" / "reliability.json"
# Issue 10's figures, null until the run that measures each exists.
FIGURES = ("core_kills", "apps", "apps_succeeded", "max_allocate_stall_ms",
           "rm_restart_apps_succeeded", "agent_offline_samples_lost", "samples_double_counted",
           "fuzz_cases", "fuzz_crashes", "unauthenticated_writes_accepted")


def merge(updates: dict[str, Any], path: Path = RESULTS) -> dict[str, Any]:
    """Read the file, set `updates`' keys, write it back; returns what was written."""
    current: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    merged = {key: None for key in FIGURES} | current | updates
    path.write_text(json.dumps(merged, indent=2) + "\n")
    return merged
