"""The core's own handling of one cycle_request (decode, apply, schedule, encode), no Py4J.

Run: .venv/bin/python -m benchmarks.cycle.core_only [--nodes 100,1000,5000] [--full 5]
     [--deltas 40] [--parts] [--curves requested|predicted] [--profile]

Synthetic cluster (seed 8): nodes of three sizes (16/32/64 vcores, 4 GiB per vcore), each
0-100 % used by running containers whose sizes sum to the node's `allocated`; 1000 pending asks
of 1-5 containers, 1-4 vcores and 1-8 GiB, from 200 applications; every curve flat. A *full*
message carries the whole picture. A steady-state *delta* changes 1 % of the nodes (a container
finishes and another starts on each), and replaces 2 % of the asks (finished ones gone, new
ones in), so 1000 asks stay pending.

Each message is timed through `CoreService.exchange(bytes) -> bytes`, exactly what the Py4J
entry point calls. Prints p50 / p99 per node count. `--parts` times each step of a delta cycle
on its own (`--cpu`: in CPU time, steadier than wall time on a shared machine). With
`--curves predicted` each cycle places and resizes as the live core does once every job has a
band (`ElasticDemand` and `elastic_policy`): every app's roles get a 20-slot band (CPU at 60 %
of the size, memory rising from 30 % to 80 %), so the general, curve-aware path decides. Its
resizes are applied as the shim would (the containers come back in the next delta at their new
size and version), and the first WARMUP_CYCLES deltas, which resize nearly everything, are
not timed.
Figures go to benchmarks/results/core_only.json under the mode's key.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from yarn_elastic.endpoint.service import CoreService, freeze_long_lived
from yarn_elastic.messages import App, CycleReply, Resize, decode_request, encode_reply
from yarn_elastic.picture import ClusterPicture
from yarn_elastic.resources import CurveArray
from yarn_elastic.scheduling import Policy, minfrag_policy
from yarn_elastic.scheduling.elastic import ElasticDemand, elastic_policy
from yarn_elastic.scheduling.framework import CycleInput
from yarn_elastic.scheduling.minfrag import decide
from yarn_elastic.scheduling.running_table import ElasticCache
from yarn_elastic.scheduling.tables import TableCache, build_tables

RESULTS = Path(__file__).resolve().parents[1] / "results" / "core_only.json"
NOW_MS = 1_700_000_000_000
SLOT_MS = 1000
ASKS = 1000
APPS = 200
MB_PER_CORE = 4096


def _flat(cpu: float, mem: float) -> list[list[float]]:
    return [[cpu], [mem], [0], [0]]


@dataclass
class SyntheticCluster:
    """A cluster picture kept as JSON-ready dicts, and the deltas that move it along."""

    n_nodes: int
    rng: random.Random
    seq: int = 0
    now_ms: int = NOW_MS
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    used: dict[str, list[float]] = field(default_factory=dict)
    containers: dict[str, dict[str, Any]] = field(default_factory=dict)
    on_node: dict[str, list[str]] = field(default_factory=dict)
    asks: dict[str, dict[str, Any]] = field(default_factory=dict)
    apps: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 0
    resized: set[str] = field(default_factory=set)  # containers to send in the next delta

    def __post_init__(self) -> None:
        for a in range(APPS):
            self.apps.append({
                "id": f"application_{NOW_MS}_{a:04d}", "queue": "root.default", "user": "u",
                "name": f"job{a}", "app_type": "SPARK", "priority": self.rng.choice([0, 0, 1]),
                "submit_ms": NOW_MS - self.rng.randrange(10**6), "tags": [],
            })
        for i in range(self.n_nodes):
            node_id = f"host{i:05d}.example.com:8041"
            cores = self.rng.choice([16, 32, 64])
            self.nodes[node_id] = {
                "id": node_id, "rack": f"/rack{i // 40}", "partition": "",
                "capacity": _flat(cores, cores * MB_PER_CORE), "allocated": _flat(0, 0),
                "utilization": _flat(0, 0),
            }
            self.used[node_id] = [0.0, 0.0]
            self.on_node[node_id] = []
            target = self.rng.random() * cores
            while True:
                size = self._size()
                if self.used[node_id][0] + size[0] > target:
                    break
                self._start(node_id, size)
        for _ in range(ASKS):
            self._new_ask()

    def _size(self) -> tuple[int, int]:
        return self.rng.randint(1, 4), self.rng.randint(1, 8) * 1024

    def _start(self, node_id: str, size: tuple[int, int]) -> dict[str, Any]:
        self.next_id += 1
        container = {
            "id": f"container_{NOW_MS}_0001_01_{self.next_id:07d}",
            "app": self.rng.choice(self.apps)["id"], "node": node_id,
            "allocated": _flat(*size), "start_ms": self.now_ms - self.rng.randrange(10**6),
        }
        self.containers[container["id"]] = container
        self.on_node[node_id].append(container["id"])
        self._add_used(node_id, size[0], size[1])
        return container

    def _finish(self, container_id: str) -> None:
        container = self.containers.pop(container_id)
        self.on_node[container["node"]].remove(container_id)
        cpu, mem = container["allocated"][0][0], container["allocated"][1][0]
        self._add_used(container["node"], -cpu, -mem)

    def _add_used(self, node_id: str, cpu: float, mem: float) -> None:
        used = self.used[node_id]
        used[0] += cpu
        used[1] += mem
        self.nodes[node_id] = {**self.nodes[node_id], "allocated": _flat(used[0], used[1])}

    def _new_ask(self) -> dict[str, Any]:
        self.next_id += 1
        app = self.rng.choice(self.apps)["id"]
        cpu, mem = self._size()
        ask = {
            "key": f"{app}#{self.rng.randint(1, 3)}#{self.next_id}", "app": app,
            "priority": 1, "allocation_request_id": self.next_id,
            "count": self.rng.randint(1, 5), "demand": _flat(cpu, mem), "am": False,
            "locality": {"nodes": [], "racks": [], "relax": True}, "partition": "",
        }
        self.asks[ask["key"]] = ask
        return ask

    def _message(self, kind: str, **parts: list[Any]) -> bytes:
        self.seq += 1
        body = {
            "schema": 1, "type": "cycle_request", "rm_id": "rm-bench", "seq": self.seq,
            "kind": kind, "base_seq": None if kind == "full" else self.seq - 1,
            "now_ms": self.now_ms, "slot_ms": SLOT_MS,
            "nodes": [], "removed_nodes": [], "apps": [], "removed_apps": [], "asks": [],
            "containers": [], "removed_containers": [],
        }
        body.update(parts)
        return json.dumps(body, separators=(",", ":")).encode()

    def full(self) -> bytes:
        return self._message(
            "full", nodes=list(self.nodes.values()), apps=self.apps,
            asks=list(self.asks.values()), containers=list(self.containers.values()),
        )

    def resize(self, resizes: Sequence[Resize]) -> None:
        """What the shim and the RM do with a cycle's resizes: each container takes its new
        size and version, and it and its node go out in the next delta."""
        for resize in resizes:
            container = self.containers.get(resize.container)
            if container is None or container.get("version", 0) != resize.version:
                continue  # the shim refuses a stale resize
            old_cpu, old_mem = container["allocated"][0][0], container["allocated"][1][0]
            self.containers[resize.container] = {
                **container, "allocated": _flat(resize.vcores, resize.memory_mb),
                "request": container.get("request", container["allocated"]),
                "version": container.get("version", 0) + 1,
            }
            self._add_used(container["node"], resize.vcores - old_cpu,
                           resize.memory_mb - old_mem)
            self.resized.add(resize.container)

    def delta(self) -> bytes:
        self.now_ms += SLOT_MS
        resized, self.resized = self.resized, set()
        changed = self.rng.sample(sorted(self.nodes), max(1, self.n_nodes // 100))
        started, finished = [], []
        for node_id in changed:
            if self.on_node[node_id]:
                finished.append(self.rng.choice(self.on_node[node_id]))
                self._finish(finished[-1])
            cap = self.nodes[node_id]["capacity"][0][0]
            size = self._size()
            if self.used[node_id][0] + size[0] <= cap:
                started.append(self._start(node_id, size))
        gone = self.rng.sample(sorted(self.asks), ASKS // 50)
        asks = [{**self.asks.pop(key), "count": 0} for key in gone]
        asks += [self._new_ask() for _ in gone]
        resized_now = [self.containers[c] for c in sorted(resized) if c in self.containers]
        touched = sorted(set(changed) | {c["node"] for c in resized_now})
        return self._message(
            "delta", nodes=[self.nodes[n] for n in touched], asks=asks,
            containers=started + resized_now, removed_containers=finished,
        )


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p99_ms": round(p99, 2)}


def _timed(service: CoreService, message: bytes) -> float:
    started = time.perf_counter()
    reply = json.loads(service.exchange(message))
    elapsed = (time.perf_counter() - started) * 1000.0
    if reply["status"] != "ok":
        raise SystemExit(f"core replied {reply['status']}: {reply['message']}")
    return elapsed


def measure(n_nodes: int, fulls: int, deltas: int) -> dict[str, Any]:
    cluster = SyntheticCluster(n_nodes, random.Random(8))
    service = CoreService(minfrag_policy())
    full_ms = [_timed(service, cluster.full()) for _ in range(fulls)]
    delta_ms = [_timed(service, cluster.delta()) for _ in range(deltas)]
    placed = sum(p.placement.count for p in service.decisions_since(cluster.seq - 1))
    return {
        "nodes": n_nodes, "asks": len(cluster.asks), "containers": len(cluster.containers),
        "full": _percentiles(full_ms), "delta": _percentiles(delta_ms),
        "containers_placed_last_cycle": placed,
    }


PARTS = ("decode", "apply", "snapshot", "tables", "decide", "encode")
WARMUP_CYCLES = 3
BAND_SLOTS = 20


class SyntheticBands:
    """Every job role has a band: CPU at 60 % of the container's size, memory rising from
    30 % to 80 % of it over BAND_SLOTS slots, no disk or network."""

    band_slot_ms = SLOT_MS

    def __init__(self) -> None:
        # As the live lookup's book: the same array for a job role until a run is learnt.
        self.book: dict[tuple[str, str, tuple[float, float] | None], CurveArray] = {}

    def band(self, app: App, role: str, executor_size: tuple[float, float] | None
             ) -> CurveArray | None:
        key = (app.id, role, executor_size)
        if key not in self.book:
            vcores, memory = executor_size or (2.0, 4096.0)
            curve = np.zeros((4, BAND_SLOTS))
            curve[0] = 0.6 * vcores
            curve[1] = np.linspace(0.3, 0.8, BAND_SLOTS) * memory
            self.book[key] = curve
        return self.book[key]

    def bump(self, app: App, role: str) -> None:
        pass


@dataclass
class Predicted:
    """What the live core keeps between cycles when it places by bands."""

    bands: SyntheticBands = field(default_factory=SyntheticBands)
    cache: ElasticCache = field(default_factory=ElasticCache)


def cycle_policy(policy: Policy, snapshot: Any, predicted: Predicted | None) -> Policy:
    """The policy one cycle places by, as `CoreService._cycle_policy` makes it."""
    if predicted is None:
        return policy
    return elastic_policy(policy, ElasticDemand(snapshot, predicted.bands,
                                                cache=predicted.cache))


def measure_parts(
    n_nodes: int, deltas: int, clock: Callable[[], float] = time.perf_counter,
    predicted: bool = False,
) -> dict[str, dict[str, float]]:
    """The delta cycle's time split into the steps `CoreService` takes, each timed alone.

    `clock` may be `time.process_time`: on a machine shared with other work, CPU time shows
    the cost of the code itself where wall time also shows the waiting for a core."""
    cluster = SyntheticCluster(n_nodes, random.Random(8))
    policy = minfrag_policy()
    picture, cache = ClusterPicture(), TableCache()
    picture.apply(decode_request(cluster.full()))
    first = picture.snapshot()
    kept = Predicted() if predicted else None
    placing = cycle_policy(policy, first, kept)
    build_tables(first, placing.demand_model, placing.queue_sort.key, cache)
    freeze_long_lived()  # as CoreService does after a full cycle
    samples: dict[str, list[float]] = {part: [] for part in PARTS + ("total",)}
    # With bands, the first cycles resize nearly every running container; the shim applies
    # them (`SyntheticCluster.resize`), and the cycles after those are the steady state.
    warmup = WARMUP_CYCLES if predicted else 0
    for cycle in range(warmup + deltas):
        message = cluster.delta()
        marks = [clock()]
        request = decode_request(message)
        marks.append(clock())
        picture.apply(request)
        marks.append(clock())
        snapshot = picture.snapshot()
        placing = cycle_policy(policy, snapshot, kept)
        marks.append(clock())
        tables = build_tables(snapshot, placing.demand_model, placing.queue_sort.key, cache)
        marks.append(clock())
        decision = decide(CycleInput(snapshot, tables), placing, time.perf_counter())
        marks.append(clock())
        reply = CycleReply(request.seq, "ok", "", decision.placements, decision.decide_ms,
                           resizes=decision.resizes)
        encode_reply(reply, time.perf_counter())
        marks.append(clock())
        cluster.resize(decision.resizes)
        if cycle < warmup:
            continue
        for part, begin, end in zip(PARTS, marks[:-1], marks[1:], strict=True):
            samples[part].append((end - begin) * 1000.0)
        samples["total"].append((marks[-1] - marks[0]) * 1000.0)
    return {part: _percentiles(values) for part, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", default="100,1000,5000", help="comma-separated node counts")
    parser.add_argument("--full", type=int, default=5, help="full messages timed per size")
    parser.add_argument("--deltas", type=int, default=40, help="delta messages timed per size")
    parser.add_argument("--parts", action="store_true",
                        help="time each step of a delta cycle (decode ... encode) separately")
    parser.add_argument("--cpu", action="store_true",
                        help="with --parts: CPU time of this process instead of wall time")
    parser.add_argument("--curves", choices=("requested", "predicted"), default="requested",
                        help="with --parts: place by flat requests, or by predicted bands"
                             " with resizes, as the live core does (default %(default)s)")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help="results file, updated under this mode's key (default %(default)s)")
    parser.add_argument("--profile", action="store_true",
                        help="profile one full and the deltas at the largest size (cProfile)")
    args = parser.parse_args()
    sizes = [int(n) for n in args.nodes.split(",")]
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(measure, sizes[-1], args.full, args.deltas)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        return
    if args.parts:
        clock = "cpu" if args.cpu else "wall"
        split: dict[str, Any] = {}
        for n in sizes:
            parts = measure_parts(
                n, args.deltas, time.process_time if args.cpu else time.perf_counter,
                predicted=args.curves == "predicted",
            )
            split[str(n)] = parts
            print(f"{n:>5} nodes, delta cycle, {clock} p50 / p99 ms: " + " | ".join(
                f"{part} {v['p50_ms']} / {v['p99_ms']}" for part, v in parts.items()
            ))
        suffix = "_predicted" if args.curves == "predicted" else ""
        _record(args.out, f"delta_parts_{clock}{suffix}", split)
        return
    rows = []
    for n in sizes:
        row = measure(n, args.full, args.deltas)
        rows.append(row)
        print(
            f"{n:>5} nodes, {row['asks']} asks, {row['containers']} running containers: "
            f"full p50 {row['full']['p50_ms']} ms p99 {row['full']['p99_ms']} ms | "
            f"delta p50 {row['delta']['p50_ms']} ms p99 {row['delta']['p99_ms']} ms | "
            f"{row['containers_placed_last_cycle']} containers placed per cycle"
        )
    _record(args.out, "exchange_wall", rows)


def _record(path: Path, key: str, figures: object) -> None:
    """Keep the figures under `key` in the results file, beside those of the other modes."""
    try:
        results = json.loads(path.read_text())
    except (OSError, ValueError):
        results = {}
    results[key] = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "cpus": os.cpu_count(), "load_average": os.getloadavg()[0],
                    "figures": figures}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
