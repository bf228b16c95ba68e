"""The agents' outages on real YARN (issue 10, item 3): samples lost or counted twice when the
agents cannot reach the core for minutes, and when the core itself is down for minutes.

    .venv/bin/python -m benchmarks.reliability.agent_outage [--offline-minutes 10]

One local cluster with a core started on its own (so that it can stay down) and an agent
beside each NodeManager, sampling every second, reaching the core through a link that can be
cut (link_cutter.py). Two phases, each with a DistributedShell application whose containers
outlive the outage:
1. agents offline: the agents' link is cut for `--offline-minutes` while the core runs;
2. core offline: the core is stopped for `--offline-minutes` while the agents run.
After each, every container's samples in the depository are compared with the number its
agent says it took: lost = taken - stored, double = stored - taken. The spool's peak size
shows how long an outage `yarn.elastic.agent.spool-max-mb` covers. Writes
benchmarks/results/reliability.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable, Sequence
from typing import Any

from yarn_elastic.devcluster.agents import NodeManagerAgents
from yarn_elastic.devcluster.cluster import LocalCluster, new_run_dir
from yarn_elastic.devcluster.distributed_shell import ShellAppSpec, submit_distributed_shell
from yarn_elastic.devcluster.elastic import CoreSetup, elastic_spec, start_standalone_core
from yarn_elastic.devcluster.spec import ClusterSpec

from benchmarks.reliability.link_cutter import LinkCutter
from benchmarks.reliability.results import merge


def spool_bytes(agents: NodeManagerAgents) -> int:
    return sum(f.stat().st_size for a in agents.agents for f in a.spool_dir.glob("*.json.gz"))


def outage(name: str, cluster: LocalCluster, agents: NodeManagerAgents, core: CoreSetup,
           seconds: float, down: Callable[[], None], up: Callable[[], None]) -> dict[str, Any]:
    """Run an app whose containers outlive `down()`..`up()`, then count its samples."""
    app = ShellAppSpec(f"outage-{name}", num_containers=2, memory_mb=512, vcores=1,
                       sleep_seconds=int(seconds) + 60)
    print(f"{name}: {seconds:.0f} s outage", flush=True)
    with cluster.placement_recorder() as recorder:
        # The client kills its application at its timeout: past the outage, not within it.
        submitted = submit_distributed_shell(cluster, app, timeout_seconds=seconds + 900)
        app_id = submitted.app_id()
        wait_for_agents_to_find(agents, recorder, app_id)
        failures = link_failures(agents)
        down()
        peak = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            peak = max(peak, spool_bytes(agents))
            time.sleep(5)
        failures = link_failures(agents) - failures
        up()
        report = submitted.wait(timeout_seconds=seconds + 600)
        recorder.poll_once()
    containers = [p.container_id for p in recorder.placements(app_id) if p.ran]
    agents.wait_spools_empty(timeout_seconds=300)
    token = core.usage_token_file.read_text().strip()
    tally = agents.wait_for_tally(core.http_url, token, app_id, containers,
                                  timeout_seconds=120, until=lambda t: t.all_ended)
    return {"app_final_status": report.final_status, "outage_s": round(seconds),
            "containers": len(containers), "samples_taken": sum(tally.taken.values()),
            "samples_stored": sum(tally.stored_count(c) for c in tally.taken),
            "samples_lost": tally.lost, "samples_double_counted": tally.double,
            "spool_peak_bytes": peak,
            "failed_sends_logged": failures}


def link_failures(agents: NodeManagerAgents) -> int:
    """The agents' log lines for a send that failed: proof the outage was one."""
    return sum(a.log_text().count("cannot reach the core") for a in agents.agents)


def wait_for_agents_to_find(agents: NodeManagerAgents, recorder: Any, app_id: str) -> None:
    deadline = time.monotonic() + 300
    while True:
        workers = [p for p in recorder.placements(app_id) if p.ran and not p.is_am]
        if len(workers) >= 2 and all(agents.agent_for(p.node_id).has_found(p.container_id)
                                     for p in workers):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the agents never found the containers of {app_id}")
        time.sleep(0.5)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.reliability.agent_outage",
        description=__doc__.split("\n\n")[0])
    parser.add_argument("--offline-minutes", type=float, default=10.0,
                        help="length of each outage (10)")
    args = parser.parse_args(argv)
    seconds = args.offline_minutes * 60
    run_dir = new_run_dir("agent-outage")
    spec, core = elastic_spec(ClusterSpec(), run_dir, launched_by_rm=False)
    with LocalCluster.start(spec, run_dir, ready_timeout_seconds=240) as cluster:
        process = [start_standalone_core(core)]
        link = LinkCutter(core.http_port)
        try:
            with NodeManagerAgents.start(cluster, link.url, interval_ms=1000) as agents:
                offline = outage("agents-offline", cluster, agents, core, seconds,
                                 link.cut, link.restore)

                def stop_core() -> None:
                    process[0].terminate()
                    process[0].wait(timeout=60)

                def start_core() -> None:
                    process[0] = start_standalone_core(core)

                core_down = outage("core-offline", cluster, agents, core, seconds,
                                   stop_core, start_core)
        finally:
            link.close()
            process[0].terminate()
            process[0].wait(timeout=60)
    return report(args, offline, core_down)


def report(args: argparse.Namespace, offline: dict[str, Any], core_down: dict[str, Any]) -> int:
    phases = (offline, core_down)
    merge({
        "agent_offline_samples_lost": offline["samples_lost"],
        "samples_double_counted": sum(p["samples_double_counted"] for p in phases),
        "agent_outage": {
            "agents_offline": offline, "core_offline": core_down,
            "command": ("python -m benchmarks.reliability.agent_outage --offline-minutes"
                        f" {args.offline_minutes:g}"),
            "machine": f"{os.cpu_count()} cores, {platform.platform()}",
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        },
    })
    for name, phase in (("agents offline", offline), ("core offline", core_down)):
        print(f"{name}: {phase['samples_taken']} samples taken, {phase['samples_lost']} lost,"
              f" {phase['samples_double_counted']} counted twice; spool peak"
              f" {phase['spool_peak_bytes']} bytes; {phase['failed_sends_logged']} failed sends"
              f" logged; app {phase['app_final_status']}", flush=True)
    bad = [p for p in phases if p["samples_lost"] or p["samples_double_counted"]
           or p["app_final_status"] != "SUCCEEDED" or not p["failed_sends_logged"]]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
