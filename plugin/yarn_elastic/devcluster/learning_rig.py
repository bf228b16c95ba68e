"""A local cluster under yarn-elastic that learns from finished runs within seconds: the tests
of elastic allocation teach the core a job, then watch the next run resized.

The RM launches the core; a shared depository token guards the agents' reports; an agent
beside each NodeManager samples every second; the learner reads a finished run's usage 5 s
after it ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from yarn_elastic.devcluster.agents import NodeManagerAgents
from yarn_elastic.devcluster.cluster import LocalCluster, new_run_dir
from yarn_elastic.devcluster.elastic import CoreSetup, elastic_spec, wait_for_core_state
from yarn_elastic.devcluster.spec import DEFAULT_NODES, ClusterSpec, NodeSpec

CORE_ACTIVE = 1


@dataclass
class LearningRig:
    cluster: LocalCluster
    core: CoreSetup
    run_dir: Path

    def file(self, name: str, text: str) -> Path:
        """A file in the run directory, where every NodeManager of this host can read it."""
        path = self.run_dir / name
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
        return path


@contextmanager
def learning_rig(name: str, nodes: tuple[NodeSpec, ...] = DEFAULT_NODES,
                 ready_timeout_seconds: float = 240, *,
                 rm_recovery: bool = False) -> Iterator[LearningRig]:
    run_dir = new_run_dir(name)
    properties = {"yarn.elastic.prediction.settle-seconds": "5"}
    spec, core = elastic_spec(ClusterSpec(nodes=nodes, extra_properties=properties,
                                          rm_recovery=rm_recovery), run_dir)
    with LocalCluster.start(spec, run_dir, ready_timeout_seconds=ready_timeout_seconds) as cluster:
        wait_for_core_state(cluster, CORE_ACTIVE, timeout_seconds=120)
        with NodeManagerAgents.start(cluster, core.http_url, interval_ms=1000):
            yield LearningRig(cluster, core, run_dir)
