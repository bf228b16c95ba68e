"""Fixtures that start real YARN daemons: one stock-CapacityScheduler cluster per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from yarn_elastic.devcluster.cluster import LocalCluster, new_run_dir
from yarn_elastic.devcluster.spec import CAPACITY_SCHEDULER, ClusterSpec


@pytest.fixture(scope="session")
def stock_cluster() -> Iterator[LocalCluster]:
    """RM + three unequal NodeManagers on the stock CapacityScheduler, shared by the session.

    Starting four JVMs costs tens of seconds on two shared cores, so tests share one cluster
    and must not leave applications running. The run dir (logs, confs) stays under
    build/devcluster/ for post-mortems.
    """
    spec = ClusterSpec(scheduler_class=CAPACITY_SCHEDULER)
    with LocalCluster.start(spec, new_run_dir("it-stock"), ready_timeout_seconds=240) as cluster:
        yield cluster
