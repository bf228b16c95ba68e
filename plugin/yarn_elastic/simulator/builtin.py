"""The workloads shipped with the simulator, by name: each a function of a seed."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

from yarn_elastic.simulator.mix import elasecutor_mix
from yarn_elastic.simulator.model import Workload
from yarn_elastic.simulator.real_spark import real_spark_workload
from yarn_elastic.simulator.workload import WorkloadError, load_workload

BUILTIN_WORKLOADS: dict[str, Callable[[int], Workload]] = {
    "elasecutor-mix": elasecutor_mix,
    "real-spark": real_spark_workload,
}


def open_workload(source: str, seed: int = 0) -> Workload:
    """A shipped workload by name (built from `seed`), else the workload file at `source`."""
    if source in BUILTIN_WORKLOADS:
        return BUILTIN_WORKLOADS[source](seed)
    if not Path(source).exists() and not source.endswith((".json", ".gz")):
        close = difflib.get_close_matches(source, BUILTIN_WORKLOADS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise WorkloadError(f"{source}: neither a workload file nor a shipped workload{hint}; "
                            f"the shipped ones are {', '.join(BUILTIN_WORKLOADS)}")
    return load_workload(source)
