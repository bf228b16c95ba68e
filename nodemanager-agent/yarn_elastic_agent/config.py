"""The agent's configuration keys, read from the NodeManager's own yarn-site.xml."""

from __future__ import annotations

import getpass
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from yarn_elastic.depository.config import read_token
from yarn_elastic.hadoop_conf import ConfigurationError, read_configuration
from yarn_elastic.settings import Key, boolean, one_of, positive_int

from yarn_elastic_agent.cpu_limits import NodeCpu, physical_cores

INTERVAL_MS = Key("yarn.elastic.agent.interval-ms", 3000, positive_int, "milliseconds > 0",
                  "How often every container is sampled.")
REPORT_INTERVAL_MS = Key("yarn.elastic.agent.report-interval-ms", 3000, positive_int,
                         "milliseconds > 0", "How often a batch of samples is sent to the core.")
CORE_URL = Key("yarn.elastic.agent.core-url", "http://localhost:8089", str, "an http(s) URL",
               "Base URL of the core's HTTP server (the depository is under /ws/v1/usage).")
SPOOL_DIR = Key("yarn.elastic.agent.spool-dir", "/tmp/yarn-elastic/agent-spool", str,
                "a directory", "Batches wait here, in order, until the core has stored them.")
SPOOL_MAX_MB = Key("yarn.elastic.agent.spool-max-mb", 256, positive_int, "megabytes > 0",
                   "Bound of the spool; beyond it the oldest batches are dropped (logged).")
MAX_BATCH_SAMPLES = Key("yarn.elastic.agent.max-batch-samples", 5000, positive_int,
                        "an integer > 0", "Samples per POST; keep below the core's limit.")
REQUEST_TIMEOUT_MS = Key("yarn.elastic.agent.request-timeout-ms", 10_000, positive_int,
                         "milliseconds > 0", "Timeout of one POST to the core.")
MAX_BACKOFF_MS = Key("yarn.elastic.agent.max-backoff-ms", 60_000, positive_int,
                     "milliseconds > 0", "Longest wait between retries while the core is down.")
NETWORK_METHOD = Key("yarn.elastic.agent.network-method", "auto",
                     one_of("auto", "netns", "ss", "node"), "auto, netns, ss or node",
                     "How container network is measured; auto: netns, else ss, else node.")
COLLECT_PSS = Key("yarn.elastic.agent.collect-pss", True, boolean, "true or false",
                  "Also read PSS from /proc/<pid>/smaps_rollup.")
PROGRESS_SOURCE = Key("yarn.elastic.agent.progress-source", "rm", one_of("rm", "none"),
                      "rm or none", "Where application progress and name/type/queue come from.")
NODE_ID = Key("yarn.elastic.agent.node-id", "", str, "host or host:port",
              "Name of this node in reports; default: the host name.")
LOCAL_DIRS = Key("yarn.nodemanager.local-dirs", "", str, "comma-separated directories",
                 "The NodeManager's local dirs; pid files are under <dir>/nmPrivate.")
CPU_LIMITS = Key("yarn.elastic.agent.cpu-limits", "auto", one_of("auto", "off"), "auto or off",
                 "auto: after a resize, write the container's new CPU limit to its cgroup, as"
                 " the NodeManager would at launch, where the cgroup exists and may be"
                 " written; off: never touch cgroups.")
NM_WEBAPP = Key("yarn.nodemanager.webapp.address", "localhost:8042", str, "host:port",
                "The NodeManager's web address, for its containers' current sizes.")
CGROUPS_MOUNT = Key("yarn.nodemanager.linux-container-executor.cgroups.mount-path",
                    "/sys/fs/cgroup", str, "a directory",
                    "Where the cgroup controllers are mounted.")
CGROUPS_HIERARCHY = Key("yarn.nodemanager.linux-container-executor.cgroups.hierarchy",
                        "/hadoop-yarn", str, "a cgroup path",
                        "The NodeManager's cgroup, holding one cgroup per container.")
CGROUPS_STRICT = Key(
    "yarn.nodemanager.linux-container-executor.cgroups.strict-resource-usage", False, boolean,
    "true or false", "Cap each container at its share of the cores, not only weigh it.")
CPU_PERCENT = Key("yarn.nodemanager.resource.percentage-physical-cpu-limit", 100,
                  positive_int, "1 to 100", "The share of the host's cores YARN may use.")
NODE_VCORES = Key("yarn.nodemanager.resource.cpu-vcores", 8, positive_int, "an integer > 0",
                  "Vcores the NodeManager offers.")
RM_WEBAPP = Key("yarn.resourcemanager.webapp.address", "", str, "host:port",
                "The ResourceManager web address, for application progress.")


@dataclass(frozen=True)
class AgentSettings:
    interval_s: float
    report_interval_s: float
    reports_url: str
    token: str | None
    spool_dir: Path
    spool_max_bytes: int
    max_batch_samples: int
    request_timeout_s: float
    max_backoff_s: float
    network_method: str
    collect_pss: bool
    rm_url: str | None
    node_id: str
    local_dirs: tuple[str, ...]
    cpu_limits: CpuLimitSettings | None = None  # None: yarn.elastic.agent.cpu-limits=off


@dataclass(frozen=True)
class CpuLimitSettings:
    nm_url: str
    mount: Path
    hierarchy: str
    node: NodeCpu


def load_conf(conf_dir: Path) -> dict[str, str]:
    yarn_site = conf_dir / "yarn-site.xml"
    if not yarn_site.is_file():
        raise ConfigurationError(
            f"{yarn_site} not found; pass --conf-dir with the NodeManager's configuration "
            "directory (or set HADOOP_CONF_DIR)"
        )
    files = [p for p in (conf_dir / "core-site.xml", yarn_site) if p.is_file()]
    return read_configuration(files)


def settings_from(conf: Mapping[str, str]) -> AgentSettings:
    core_url = CORE_URL.read(conf).rstrip("/")
    if not core_url.startswith(("http://", "https://")):
        raise ConfigurationError(f"{CORE_URL.name}={core_url!r} must start with http:// or https://")
    tmp = conf.get("hadoop.tmp.dir") or f"/tmp/hadoop-{getpass.getuser()}"
    local_dirs = LOCAL_DIRS.read(conf) or f"{tmp}/nm-local-dir"
    rm = RM_WEBAPP.read(conf) or f"{conf.get('yarn.resourcemanager.hostname') or 'localhost'}:8088"
    rm = rm.replace("0.0.0.0", "localhost")
    return AgentSettings(
        interval_s=INTERVAL_MS.read(conf) / 1000,
        report_interval_s=REPORT_INTERVAL_MS.read(conf) / 1000,
        reports_url=f"{core_url}/ws/v1/usage/reports",
        token=read_token(conf),
        spool_dir=Path(SPOOL_DIR.read(conf)),
        spool_max_bytes=SPOOL_MAX_MB.read(conf) * 1024 * 1024,
        max_batch_samples=MAX_BATCH_SAMPLES.read(conf),
        request_timeout_s=REQUEST_TIMEOUT_MS.read(conf) / 1000,
        max_backoff_s=MAX_BACKOFF_MS.read(conf) / 1000,
        network_method=NETWORK_METHOD.read(conf),
        collect_pss=COLLECT_PSS.read(conf),
        rm_url=f"http://{rm}" if PROGRESS_SOURCE.read(conf) == "rm" else None,
        node_id=NODE_ID.read(conf) or socket.gethostname(),
        local_dirs=tuple(d.strip().removeprefix("file://") for d in local_dirs.split(",")
                         if d.strip()),
        cpu_limits=cpu_limit_settings(conf),
    )


def cpu_limit_settings(conf: Mapping[str, str]) -> CpuLimitSettings | None:
    if CPU_LIMITS.read(conf) == "off":
        return None
    percent = min(CPU_PERCENT.read(conf), 100)
    nm = NM_WEBAPP.read(conf).replace("0.0.0.0", "localhost")
    return CpuLimitSettings(
        nm_url=nm if nm.startswith(("http://", "https://")) else f"http://{nm}",
        mount=Path(CGROUPS_MOUNT.read(conf)),
        hierarchy=CGROUPS_HIERARCHY.read(conf),
        node=NodeCpu(node_vcores=NODE_VCORES.read(conf),
                     cores=physical_cores() * percent / 100,
                     strict=CGROUPS_STRICT.read(conf)),
    )
