"""One exchange: a message from the shim in, a reply out, never an exception.

`CoreService.exchange(bytes) -> bytes` is what the Py4J entry point calls. It decodes, applies
the request to the cluster picture, runs the policy and encodes the plan. Whatever goes wrong
(bad message, a bug in a plugin) becomes a `cycle_reply` with status "error" and a reason: a
Python traceback must never cross the wire into the ResourceManager's log as the only clue.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from yarn_elastic import __version__
from yarn_elastic.endpoint.unplaced_report import UnplacedReport
from yarn_elastic.messages import (
    CAPABILITY_RESIZE,
    RESOURCE_NAMES,
    SCHEMA,
    SUPPORTED_SCHEMAS,
    CycleReply,
    CycleRequest,
    Hello,
    HelloReply,
    MessageError,
    Placement,
    Resize,
    decode_request,
    encode_reply,
    parse_json,
)
from yarn_elastic.picture import ClusterPicture, FinishedApp, PictureSnapshot
from yarn_elastic.scheduling import Policy, schedule
from yarn_elastic.scheduling.bands import BandLookup, role_of
from yarn_elastic.scheduling.elastic import ElasticDemand, elastic_policy
from yarn_elastic.scheduling.explain import explain_container
from yarn_elastic.scheduling.resize import ResizeRules
from yarn_elastic.scheduling.running_table import ElasticCache
from yarn_elastic.scheduling.tables import TableCache

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoggedPlacement:
    seq: int
    time_ms: int
    placement: Placement


# (ask, node, count, score): a tuple of plain values, which the garbage collector stops
# tracking, where a `Placement` object would be walked by every full collection.
_Fields = tuple[str, str, int, float]


@dataclass(frozen=True)
class _LoggedCycle:
    seq: int
    time_ms: int
    placements: tuple[_Fields, ...]


class DecisionLog:
    """The newest `size` placements, kept a cycle at a time as plain tuples and wrapped in
    `LoggedPlacement`s only when someone asks.

    A default log holds up to 10^5 placements; as objects they were what every full garbage
    collection spent its time on (tens of ms at 5000 nodes) once the picture was frozen.
    """

    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        # Resizes are a few per container's life, not thousands a cycle: kept as objects.
        self._resizes: deque[LoggedResize] = deque(maxlen=self.size)
        self._cycles: deque[_LoggedCycle] = deque()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, seq: int, time_ms: int, placements: tuple[Placement, ...]) -> None:
        if placements:
            fields = tuple([(p.ask, p.node, p.count, p.score) for p in placements])
            self._cycles.append(_LoggedCycle(seq, time_ms, fields))
            self._count += len(fields)
        while self._count > self.size:
            oldest = self._cycles.popleft()
            surplus = self._count - self.size
            if surplus < len(oldest.placements):
                self._cycles.appendleft(
                    _LoggedCycle(oldest.seq, oldest.time_ms, oldest.placements[surplus:])
                )
                self._count -= surplus
            else:
                self._count -= len(oldest.placements)

    def since(self, seq: int) -> list[LoggedPlacement]:
        return [
            LoggedPlacement(cycle.seq, cycle.time_ms, Placement(*fields))
            for cycle in self._cycles if cycle.seq > seq
            for fields in cycle.placements
        ]

    def add_resizes(self, seq: int, time_ms: int, resizes: tuple[Resize, ...]) -> None:
        self._resizes.extend(LoggedResize(seq, time_ms, r) for r in resizes)

    def resizes_since(self, seq: int) -> list[LoggedResize]:
        return [r for r in self._resizes if r.seq > seq]


@dataclass(frozen=True)
class LoggedResize:
    seq: int
    time_ms: int
    resize: Resize


@dataclass(frozen=True)
class ElasticInputs:
    """What the core places and resizes by beyond the RM's numbers: predicted bands, the
    resize rules, and the agents' last measured memory per container (MB, by container id,
    for the cycle at `now_ms`). Each must answer from memory: they are read inside the cycle.
    """

    bands: BandLookup
    rules: ResizeRules
    measured_memory_mb: Callable[[int], Mapping[str, float]]
    over_plan_margin: float = 0.10


@dataclass(frozen=True)
class Session:
    """What the connected shim and this core agreed in hello."""

    schema: int = SCHEMA
    resizing: bool = False


@dataclass
class CoreStats:
    cycles: int = 0
    errors: int = 0
    need_full: int = 0
    last_cycle_ms: int | None = None  # wall clock of the last cycle served
    last_decide_ms: float = 0.0
    rm_id: str | None = None
    resizes: int = 0  # resizes sent to the shim
    memory_kills: int = 0  # containers the NodeManagers killed for memory
    # The last plan's size: placements (ask, node pairs), the containers they place, resizes.
    last_plan: tuple[int, int, int] = (0, 0, 0)


class CoreService:
    def __init__(
        self,
        policy: Policy,
        decision_log_size: int = 100_000,
        summary_every: int = 100,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        elastic: ElasticInputs | None = None,
    ) -> None:
        self.policy = policy
        self.elastic = elastic
        self.session = Session()
        self._over_plan: frozenset[str] = frozenset()
        self._elastic_cache = ElasticCache()  # per-node arrays and sized bands, between cycles
        self._last_cycle: tuple[PictureSnapshot, Policy] | None = None  # for `explain`
        self.picture = ClusterPicture()
        self.stats = CoreStats()
        self._log = DecisionLog(decision_log_size)
        self._unplaced = UnplacedReport()
        self._lock = threading.Lock()  # Py4J may call from several Java threads
        self._summary_every = max(1, summary_every)
        self._clock_ms = clock_ms
        self._cache = TableCache()  # node arrays kept between cycles (decisions unchanged)
        self._cache_policy = policy
        # Told each cycle's decide time in seconds (the Prometheus histogram); must not block.
        self.observe_decide: Callable[[float], None] | None = None
        # Told of applications the RM stopped listing; must not block (the recorder queues).
        self.on_finished: Callable[[Sequence[FinishedApp]], None] | None = None
        self._shim_slot_ms: int | None = None  # the slot length last checked against ours

    def exchange(self, message: bytes | bytearray) -> bytes:
        with self._lock:
            started = time.perf_counter()
            try:
                return self._exchange(bytes(message), started)
            except Exception as exc:  # a bug here must reach the shim as a reason, not a crash
                LOG.exception("exchange failed")
                self.stats.errors += 1
                return encode_reply(
                    CycleReply(_seq_of(message), "error", f"core internal error: {exc!r}"),
                    started,
                )

    def _exchange(self, data: bytes, started: float) -> bytes:
        try:
            request = decode_request(data)
        except MessageError as exc:
            self.stats.errors += 1
            if _schema_of(data) not in (None, *SUPPORTED_SCHEMAS) and _type_of(data) == "hello":
                LOG.warning("shim speaks schema %s, this core %s to %s", _schema_of(data),
                            SUPPORTED_SCHEMAS[0], SCHEMA)
                return encode_reply(
                    HelloReply(__version__, "incompatible", f"core speaks schema {SCHEMA}")
                )
            LOG.warning("rejected a message from the shim: %s", exc)
            return encode_reply(CycleReply(_seq_of(data), "error", str(exc),
                                           schema=self.session.schema), started)
        if isinstance(request, CycleRequest):
            return encode_reply(self.cycle(request), started)
        return encode_reply(self.hello(request))

    def hello(self, hello: Hello) -> HelloReply:
        """Agree on the shim's schema and on what both sides can do beyond placements."""
        resizing = (CAPABILITY_RESIZE in hello.capabilities and self.elastic is not None)
        self.session = Session(hello.schema, resizing)
        LOG.info("shim %s (rm_id %s, schema %d) connected; %s", hello.shim_version,
                 hello.rm_id, hello.schema,
                 "running containers are resized along their predicted bands" if resizing
                 else "placements only, over the RM's requests"
                 + ("" if self.elastic is not None else " (predicted curves are off)")
                 + ("" if CAPABILITY_RESIZE in hello.capabilities
                    else " (the shim applies no resizes)"))
        return HelloReply(__version__, "ok", schema=hello.schema,
                          capabilities=(CAPABILITY_RESIZE,) if resizing else ())

    def cycle(self, request: CycleRequest) -> CycleReply:
        self._check_slot_length(request.slot_ms)
        self._learn_from_kills(request)
        outcome = self.picture.apply(request)
        self.stats.cycles += 1
        self.stats.last_cycle_ms = self._clock_ms()
        self.stats.rm_id = request.rm_id
        if not outcome.applied:
            self.stats.need_full += 1
            LOG.info("cycle %d: asking the shim for a full picture: %s", request.seq,
                     outcome.reason)
            return CycleReply(request.seq, "need_full", outcome.reason)
        if outcome.finished and self.on_finished is not None:
            self.on_finished(outcome.finished)
        if self._cache_policy is not self.policy:  # a swapped policy starts a fresh cache
            self._cache, self._cache_policy = TableCache(), self.policy
        snapshot = self.picture.snapshot()
        policy = self._cycle_policy(snapshot)
        self._last_cycle = (snapshot, policy)
        decision = schedule(snapshot, policy, cache=self._cache)
        if request.kind == "full":
            freeze_long_lived()  # the new picture and the arrays kept for it
        self.stats.last_decide_ms = decision.decide_ms
        if self.observe_decide is not None:
            self.observe_decide(decision.decide_ms / 1000)
        now = self.stats.last_cycle_ms
        self._log.add(request.seq, now, decision.placements)
        self._unplaced.record(request.seq, decision.unplaced)
        LOG.debug(
            "cycle %d (%s): %d nodes, %d asks -> %d placements, %d containers in %.2f ms",
            request.seq, request.kind, len(self.picture.nodes), len(self.picture.asks),
            len(decision.placements), decision.containers, decision.decide_ms,
        )
        if self.stats.cycles % self._summary_every == 0:
            LOG.info(
                "%d cycles served (%d errors, %d full resyncs); picture %s; last decide %.2f ms",
                self.stats.cycles, self.stats.errors, self.stats.need_full,
                self.picture.sizes(), decision.decide_ms,
            )
        self.stats.resizes += len(decision.resizes)
        self.stats.last_plan = (len(decision.placements), decision.containers,
                                len(decision.resizes))
        self._log.add_resizes(request.seq, now, decision.resizes)
        return CycleReply(request.seq, "ok", "", decision.placements, decision.decide_ms,
                          resizes=decision.resizes, schema=self.session.schema)

    def _check_slot_length(self, slot_ms: int) -> None:
        """The shim and the core each read yarn.elastic.slot-ms from their own yarn-site.xml.
        Bands are rescaled to the shim's slots every cycle, so a difference costs precision
        and time, not correctness; it is said once per value, for the operator to align."""
        if self.elastic is None or slot_ms == self._shim_slot_ms:
            return
        self._shim_slot_ms = slot_ms
        ours = self.elastic.bands.band_slot_ms
        if ours > 0 and slot_ms != ours:
            LOG.warning("the shim's slots are %d ms, the core's %d ms (yarn.elastic.slot-ms in"
                        " each one's yarn-site.xml): predicted bands are rescaled every cycle;"
                        " give both the same value", slot_ms, ours)

    def _learn_from_kills(self, request: CycleRequest) -> None:
        """Kubernetes VPA's rule after an OOM: a job role one of whose containers the
        NodeManager killed for memory gets its request for memory from then on."""
        for kill in request.memory_kills:
            self.stats.memory_kills += 1
            app = self.picture.apps.get(kill.app) or next(
                (a for a in request.apps if a.id == kill.app), None)
            role = role_of(kill.container)
            LOG.warning(
                "container %s of %s (%s) was killed for memory (exit status %d) at %d MB;"
                " its job's %s containers get their requested memory from now on",
                kill.container, kill.app, "unknown job" if app is None else app.name,
                kill.exit_status, kill.allocated_mb, role)
            if app is not None and self.elastic is not None:
                self.elastic.bands.bump(app, role)

    def _cycle_policy(self, snapshot: PictureSnapshot) -> Policy:
        """The policy as it places this cycle: over predicted bands, with resizes, when the
        shim applies them; over the RM's numbers otherwise (placing by bands without shrinking
        the containers would only wait on the RM's ledger)."""
        if self.elastic is None or not self.session.resizing:
            return self.policy
        demand = ElasticDemand(snapshot, self.elastic.bands, self.elastic.rules,
                               self.elastic.measured_memory_mb(snapshot.now_ms),
                               over_plan_margin=self.elastic.over_plan_margin,
                               cache=self._elastic_cache)
        hot = demand.nodes_over_plan()
        if hot != self._over_plan:
            LOG.warning("measured use runs above the plan on %s: nothing new is placed there"
                        " until it is back within %.0f%%", sorted(hot) or "no node",
                        self.elastic.over_plan_margin * 100)
            self._over_plan = hot
        return elastic_policy(self.policy, demand)

    def decisions_since(self, seq: int) -> list[LoggedPlacement]:
        with self._lock:
            return self._log.since(seq)

    def resizes_since(self, seq: int) -> list[LoggedResize]:
        with self._lock:
            return self._log.resizes_since(seq)

    def unplaced(self) -> list[dict[str, object]]:
        """The asks the last cycle left without a container, each with its reason."""
        with self._lock:
            return self._unplaced.entries()

    def explain(self, container_id: str) -> dict[str, object] | None:
        """What `yarn-elastic explain` shows: the container's curve, its resizes with their
        reasons, the placements of its app on its node, and its node's DRR against the next
        best nodes on the last cycle's picture. None if the last cycle did not see it."""
        with self._lock:
            last = self._last_cycle
            resizes = [r for r in self._log.resizes_since(-1)
                       if r.resize.container == container_id]
            logged = self._log.since(-1)
        if last is None:
            return None
        # Outside the lock: the snapshot and its demand are never changed once made, and the
        # scores walk every node, which must not hold up a cycle.
        snapshot, policy = last
        found = explain_container(snapshot, policy.demand_model, container_id)
        if found is None:
            return None
        placed = [d for d in logged if d.placement.node == found.node
                  and d.placement.ask.split("#", 1)[0] == found.app]
        return {
            "container": found.container, "app": found.app, "node": found.node,
            "slot_ms": snapshot.slot_ms, "position": found.position,
            "allocated": list(found.allocated), "request": list(found.request),
            "predicted": found.predicted,
            "curve": {name: [round(float(v), 3) for v in row]
                      for name, row in zip(RESOURCE_NAMES, found.curve, strict=True)},
            "resizes": [{"seq": r.seq, "time_ms": r.time_ms, "vcores": r.resize.vcores,
                         "memory_mb": r.resize.memory_mb, "reason": r.resize.reason}
                        for r in resizes],
            "placements": [{"seq": d.seq, "time_ms": d.time_ms, "ask": d.placement.ask,
                            "count": d.placement.count, "score": round(d.placement.score, 6)}
                           for d in placed],
            "nodes": [{"node": n.node, "drr": round(n.drr, 6), "fits": n.fits}
                      for n in found.scores],
        }

    def app_ids(self) -> frozenset[str]:
        """The applications in the picture, for the learner's catch-up thread."""
        with self._lock:
            return frozenset(self.picture.apps)

    def status(self) -> dict[str, object]:
        with self._lock:
            return {
                "version": __version__,
                "schema": SCHEMA,
                "policy": self.policy.describe(),
                "rm_id": self.stats.rm_id,
                "seq": self.picture.seq,
                "cycles": self.stats.cycles,
                "errors": self.stats.errors,
                "need_full": self.stats.need_full,
                "last_cycle_ms": self.stats.last_cycle_ms,
                "last_decide_ms": round(self.stats.last_decide_ms, 3),
                "picture": self.picture.sizes(),
                "decisions_logged": len(self._log),
                "resizes": self.stats.resizes,
                "memory_kills": self.stats.memory_kills,
                "last_plan": dict(zip(("placements", "containers", "resizes"),
                                      self.stats.last_plan, strict=True)),
                "unplaced": self._unplaced.summary(),
                "session": {"schema": self.session.schema, "resizing": self.session.resizing},
            }


def freeze_long_lived() -> None:
    """Move what is alive now (the new picture and what the tables keep of it) out of the
    garbage collector's sight.

    A full picture is ~10^5 objects that live until the next full one; left in the oldest
    generation, every full collection walks all of them, which took a delta cycle at 5000
    nodes from ~50 ms to ~150 ms whenever it struck. Frozen objects are still freed by
    reference counting when the picture drops them; only cyclic garbage among them would
    stay, and the collect before freezing leaves none from before.
    """
    gc.collect()
    gc.freeze()


def _field(data: bytes | bytearray, name: str) -> object:
    try:
        return parse_json(data).get(name)
    except MessageError:
        return None


def _seq_of(data: bytes | bytearray) -> int:
    seq = _field(data, "seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else -1


def _schema_of(data: bytes) -> object:
    return _field(data, "schema")


def _type_of(data: bytes) -> object:
    return _field(data, "type")
