"""The messages' types: frozen, typed dataclasses of docs/interface.md (schema 2)."""


from __future__ import annotations

from dataclasses import dataclass

SCHEMA = 2
# Schemas this core speaks: it answers each shim in the schema of the shim's hello.
SUPPORTED_SCHEMAS = (1, 2)
# What a shim can apply beyond placements (schema 2 on); a core sends only what both list.
CAPABILITY_RESIZE = "resize"
CAPABILITIES = (CAPABILITY_RESIZE,)
RESOURCE_NAMES = ("cpu_vcores", "memory_mb", "disk_mb_per_s", "network_mb_per_s")

# Four curves in RESOURCE_NAMES order; each is a non-empty tuple whose last value holds forever.
Curves = tuple[tuple[float, ...], ...]

REQUEST_KINDS = ("full", "delta")
REPLY_STATUSES = ("ok", "need_full", "error")
HELLO_STATUSES = ("ok", "incompatible")


def is_am_container(container_id: str) -> bool:
    """YARN gives an application attempt's first container, `..._000001`, to its
    ApplicationMaster (for Spark in cluster mode, the driver)."""
    return container_id.endswith("_000001")


class MessageError(ValueError):
    """A message does not follow docs/interface.md; the text names the offending field."""


@dataclass(frozen=True)
class Locality:
    nodes: tuple[str, ...] = ()
    racks: tuple[str, ...] = ()
    relax: bool = True

    @property
    def is_strict(self) -> bool:
        """True when the ask may only go to the named nodes or racks."""
        return not self.relax and bool(self.nodes or self.racks)


@dataclass(frozen=True)
class Node:
    id: str
    rack: str
    partition: str
    capacity: Curves
    allocated: Curves
    utilization: Curves


@dataclass(frozen=True)
class App:
    id: str
    queue: str
    user: str
    name: str
    app_type: str
    priority: int
    submit_ms: int
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ask:
    key: str
    app: str
    priority: int
    allocation_request_id: int
    count: int
    demand: Curves
    am: bool = False
    locality: Locality = Locality()
    partition: str = ""


@dataclass(frozen=True)
class Container:
    id: str
    app: str
    node: str
    allocated: Curves
    start_ms: int
    request: Curves | None = None  # the size it first had: a resize never goes above it
    version: int = 0  # YARN's container version, raised by each resize


@dataclass(frozen=True)
class MemoryKill:
    """A container the NodeManager killed for memory (schema 2): -104 physical, -103 virtual."""

    container: str
    app: str
    exit_status: int
    allocated_mb: int


@dataclass(frozen=True)
class CycleRequest:
    rm_id: str
    seq: int
    kind: str
    base_seq: int | None
    now_ms: int
    slot_ms: int
    nodes: tuple[Node, ...] = ()
    removed_nodes: tuple[str, ...] = ()
    apps: tuple[App, ...] = ()
    removed_apps: tuple[str, ...] = ()
    asks: tuple[Ask, ...] = ()
    containers: tuple[Container, ...] = ()
    removed_containers: tuple[str, ...] = ()
    memory_kills: tuple[MemoryKill, ...] = ()  # schema 2, optional: sent once each


@dataclass(frozen=True)
class Placement:
    ask: str
    node: str
    count: int
    score: float


@dataclass(frozen=True)
class Resize:
    """Give a running container `vcores` and `memory_mb` from now on (schema 2)."""

    container: str
    version: int  # the container version the core saw; the shim refuses a stale one
    vcores: int
    memory_mb: int
    reason: str


@dataclass(frozen=True)
class CycleReply:
    seq: int
    status: str
    message: str = ""
    placements: tuple[Placement, ...] = ()
    decide_ms: float = 0.0
    handle_ms: float | None = None  # optional: the core's whole handling, decode to encoded
    resizes: tuple[Resize, ...] = ()
    schema: int = SCHEMA  # the schema agreed in hello; a schema-1 reply carries no resizes


@dataclass(frozen=True)
class Hello:
    rm_id: str
    shim_version: str
    capabilities: tuple[str, ...] = ()
    schema: int = SCHEMA


@dataclass(frozen=True)
class HelloReply:
    core_version: str
    status: str
    message: str = ""
    schema: int = SCHEMA
    capabilities: tuple[str, ...] = ()


Message = CycleRequest | CycleReply | Hello | HelloReply
Request = CycleRequest | Hello
Reply = CycleReply | HelloReply



def flat(cpu_vcores: float, memory_mb: float, disk: float = 0.0, network: float = 0.0) -> Curves:
    """A constant quantity, for tests and synthetic loads."""
    return ((cpu_vcores,), (memory_mb,), (disk,), (network,))
