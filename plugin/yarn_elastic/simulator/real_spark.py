"""`real-spark`: our measured Spark-on-YARN runs replayed as they were.

The cluster of the collection (tests/data/prediction/spark-runs-README.md): nm1 8 GB/8 vcores,
nm2 6 GB/4 vcores, nm3 4 GB/2 vcores (advertised sizes; the three NodeManagers shared one
2-core VM). Its disk and network are not in the dataset: each node is given 150 MB/s of disk
(one disk at the `mix` per-disk figure) and 1250 MB/s of network (shuffle went over loopback;
the 10 GbE figure as a cap that never binds: containers peaked at 13 MB/s disk, 52 MB/s net).

Every one of the 28 settings (7 jobs x 2 inputs x 2 executor sizes) contributes its first 3
repeats to `history` and its 4th as an app, with its curves (3-second slots) and the requests
it really made (executors 1408 or 2432 MB, AM 896 MB; `library`). Arrivals are Poisson with a
mean gap of MEAN_GAP_S = 5 s: an app asks for 3.7-5.8 GB of the 18 GB for 24-69 s, so the
cluster's memory is asked for about 1.3 times over while apps arrive (`offered_load`, seed 0).
It carries the collection cluster's AM share, 0.5 (conf/capacity-scheduler.xml).
"""

from __future__ import annotations

import numpy as np

from yarn_elastic.simulator.library import LibraryRun, load_library
from yarn_elastic.simulator.model import AppSpec, NodeGroup, RoleSpec, Workload
from yarn_elastic.simulator.scaling import clipped

MB = float(1 << 20)
NODES = (
    NodeGroup("nm1", 1, vcores=8, memory_mb=8192, disk_mb_per_s=150.0, network_mb_per_s=1250.0),
    NodeGroup("nm2", 1, vcores=4, memory_mb=6144, disk_mb_per_s=150.0, network_mb_per_s=1250.0),
    NodeGroup("nm3", 1, vcores=2, memory_mb=4096, disk_mb_per_s=150.0, network_mb_per_s=1250.0),
)
MEAN_GAP_S = 5.0
COLLECTION_AM_SHARE = 0.5  # conf/capacity-scheduler.xml, as the runs were collected
HISTORY_RUNS = 3


def setting_name(run: LibraryRun) -> str:
    return f"{run.job}-{run.size}-{run.executor_cores}c{run.executor_memory_mb / 1024:g}g"


def replayed(run: LibraryRun, app_id: str, arrival_s: float, cpu_clip: dict[str, float]
             ) -> AppSpec:
    """The run as it was: its role curves and requests (clipped only as `scaling` says)."""
    roles = tuple(RoleSpec(name, role.count, role.request,
                           clipped(role.usage, role.request, cpu_clip[name]))
                  for name, role in sorted(run.roles.items()))
    input_mb = run.input_bytes / MB
    return AppSpec(id=app_id, name=setting_name(run), type="SPARK", queue="default",
                   user="hibench", tags=(f"input={input_mb:.6g}",), arrival_s=round(arrival_s, 3),
                   input_mb=input_mb, roles=roles)


def real_spark_workload(seed: int = 0) -> Workload:
    """History: repeats 0-2 of each setting; apps: repeat 3, in an order and at Poisson
    arrival times drawn from `numpy.random.default_rng(seed)`."""
    rng = np.random.default_rng(seed)
    library = load_library()
    clip = {role: library.max_use_over_request(role)[0] for role in ("am", "executor")}
    history, latest = [], []
    for setting in library.settings():
        repeats = library.repeats(*setting)
        history += [replayed(r, f"history-{r.app_id}", 0.0, clip)
                    for r in repeats[:HISTORY_RUNS]]
        latest += list(repeats[HISTORY_RUNS:HISTORY_RUNS + 1])
    gaps = rng.exponential(MEAN_GAP_S, len(latest))
    arrivals = np.cumsum(gaps) - gaps[0]
    order = rng.permutation(len(latest))
    apps = [replayed(latest[i], f"app-{n:03d}-{latest[i].app_id}", float(arrivals[n]), clip)
            for n, i in enumerate(order)]
    return Workload(library.slot_seconds, NODES, tuple(history), tuple(apps),
                    name=f"real-spark seed {seed}", am_share=COLLECTION_AM_SHARE)
