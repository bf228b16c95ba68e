"""`elastic` and `oracle`: the live core's `schedule()` over predicted curves.

Each cycle the engine's view becomes a `PictureSnapshot`, the same type the Py4J endpoint
builds from the shim's messages, and the live MinFrag policy decides on it with a
`CurveDemandModel`: time-aware DRR, a container fitting a node only if the curves fit at
every future slot. Nothing of the decision is re-implemented here.

`elastic` predicts each role's curve from the workload's history with the live `Forecaster`
(selector and calibrated bands), capped at the request for CPU and memory; a job it cannot
predict gets its request, held for life, as the live core does today. `oracle` is given the
true curves instead, so the gap between the two is the cost of prediction error.

A container killed for memory bumps its job's memory to the request, as Kubernetes VPA does
after an OOM: its replacement, and every later container of that job and role, gets the
request for memory (the elastic allocation issue's rule for the live core).

Each cycle `elastic` runs the live core's own `ElasticDemand` (`scheduling/elastic.py`) on
the snapshot: it resizes every running container with the pure resize planner (ahead of its
band, never below its measured memory plus a margin, grown to its request when it runs above
its allocation), keeps nothing new off nodes whose containers run above their bands, and
places with the live `schedule()` over commitments that already count those resizes. As on
the live RM a container starts at its request, and is resized from the next cycle on. Only
CPU and memory are enforced and resized, as on YARN; disk and network are planned and counted
along the band, never throttled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from yarn_elastic.messages import App, Ask, Container, Curves, Node
from yarn_elastic.picture import PictureSnapshot
from yarn_elastic.prediction.forecaster import Forecaster
from yarn_elastic.prediction.runs import Run
from yarn_elastic.prediction.signature import JobSignature, make_signature
from yarn_elastic.prediction.xgb_curves import CurveModel, train
from yarn_elastic.resources import CurveArray
from yarn_elastic.scheduling import Policy, minfrag_policy, schedule
from yarn_elastic.scheduling.elastic import ElasticDemand, elastic_policy
from yarn_elastic.scheduling.resize import (
    Resize,
    ResizeRules,
    yarn_sized,
)
from yarn_elastic.scheduling.running_table import ElasticCache
from yarn_elastic.simulator.model import AppSpec, RoleSpec, Workload
from yarn_elastic.simulator.schedulers.base import (
    Allocation,
    ClusterView,
    Launch,
    RunningContainer,
    SimDecision,
    enforced,
)
from yarn_elastic.simulator.schedulers.heartbeat import Timer

MB = float(1 << 20)
PolicyFactory = Callable[[], Policy]  # the policy before the cycle's demand is put in


@dataclass(frozen=True)
class RoleCurve:
    """What a role is given: `allocation` over its progress, its last value holding; and
    whether it was predicted (False: the request, because nothing could predict it)."""

    allocation: CurveArray
    predicted: bool


def signature_of(app: AppSpec) -> JobSignature:
    """The signature the live picture would give the app: its executors' largest size."""
    executors = app.executors
    return make_signature(
        app.name, app.type, app.queue, app.user or None,
        round(max(r.request.vcores for r in executors)),
        round(max(r.request.memory_mb for r in executors)),
        None if app.input_mb is None else app.input_mb * MB, list(app.tags))


def run_of(app: AppSpec, finished_ms: int) -> Run:
    return Run(signature_of(app), app.id, finished_ms, {r.role: r.usage for r in app.roles},
               None if app.input_mb is None else app.input_mb * MB)


class ElasticScheduler:
    resizes = True  # the engine asks for a decision every slot

    def __init__(self, seed: int = 0, truth: bool = False,
                 policy: PolicyFactory = minfrag_policy,
                 rules: ResizeRules | None = None) -> None:
        self.name = "oracle" if truth else "elastic"
        self.rules = rules or ResizeRules()
        self.truth = truth
        self.policy = policy
        self.curves: dict[tuple[str, str], RoleCurve] = {}
        self._predicted: dict[tuple[object, ...], RoleCurve] = {}
        self._largest = np.full(4, np.inf)
        self.bumped: set[tuple[str, str]] = set()  # (job name, role) killed for memory
        self.timer = Timer()
        self.cache = ElasticCache()  # sized bands and ask curves, between cycles

    # -- learning ------------------------------------------------------------------------------

    def prepare(self, workload: Workload) -> None:
        forecaster = None if self.truth else _forecaster(workload)
        self._predicted = {}
        # Disk and network are compressible: planned above every node's capacity, a curve
        # could never be placed, while in fact it would only run slower.
        self._largest = np.max([g.capacity for g in workload.nodes], axis=0)
        for app in workload.apps:
            for role in app.roles:
                self.curves[(app.id, role.role)] = self._role_curve(app, role, forecaster)

    def _role_curve(self, app: AppSpec, role: RoleSpec,
                    forecaster: Forecaster | None) -> RoleCurve:
        if forecaster is None:
            return RoleCurve(self._sized(role.usage, role), True)
        signature = signature_of(app)
        key = (signature.key, role.role, app.input_mb, role.request)
        if key not in self._predicted:  # apps of one setting share their prediction
            prediction, _ = forecaster.predict(
                signature, role.role, None if app.input_mb is None else app.input_mb * MB)
            self._predicted[key] = (
                RoleCurve(role.requested[:, None], False) if prediction is None
                else RoleCurve(self._sized(np.maximum(prediction.upper, 0.0), role), True))
        return self._predicted[key]

    def _sized(self, curve: CurveArray, role: RoleSpec) -> CurveArray:
        # Never above the request for CPU and memory (the elastic allocation issue's rule).
        sized = yarn_sized(curve, (role.request.vcores, role.request.memory_mb), self.rules)
        sized[2:] = np.minimum(sized[2:], self._largest[2:, None])
        return sized

    def curve_of(self, app: AppSpec, role: RoleSpec) -> RoleCurve:
        curve = self.curves[(app.id, role.role)]
        if (app.name, role.role) not in self.bumped:
            return curve
        bumped = curve.allocation.copy()
        bumped[1] = role.request.memory_mb
        return RoleCurve(bumped, curve.predicted)

    def allocation(self, app: AppSpec, role: RoleSpec) -> Allocation:
        """Booked along its band for disk and network; it starts at its request for vcores
        and memory, as the RM allocates it, and is resized from the next cycle on."""
        curve = self.curve_of(app, role).allocation
        return Allocation(curve, enforced(curve),
                          size=(role.request.vcores, role.request.memory_mb))

    def killed(self, app: AppSpec, role: RoleSpec) -> None:
        self.bumped.add((app.name, role.role))

    def cycle_ms(self) -> float:
        return self.timer.last_ms

    # -- a cycle -------------------------------------------------------------------------------

    def decide(self, view: ClusterView) -> SimDecision:
        with self.timer:
            slot_ms = round(view.slot_seconds * 1000)
            now_ms = view.slot * slot_ms
            snapshot = _snapshot(view, now_ms, slot_ms)
            measured = {c.id: c.measured_memory_mb for c in view.running
                        if c.measured_memory_mb is not None}
            demand = ElasticDemand(snapshot, _RoleBands(self, view), self.rules, measured,
                                   largest_node=self._largest, cache=self.cache)
            resizes = [Resize(r.container, float(r.vcores), float(r.memory_mb), r.reason)
                       for r in demand.resizes()]
            if not view.pending:
                return SimDecision([], resizes)
            decision = schedule(snapshot, elastic_policy(self.policy(), demand))
            index = {name: i for i, name in enumerate(view.node_names)}
            return SimDecision(
                [Launch(p.ask, index[p.node], p.count) for p in decision.placements], resizes)


class _RoleBands:
    """The `BandLookup` of one cycle: each app's role curve, as `prepare` predicted it (or the
    truth, for `oracle`), in the cycle's own slots."""

    band_slot_ms = 0

    def __init__(self, scheduler: ElasticScheduler, view: ClusterView) -> None:
        self.scheduler = scheduler
        self.apps = {a.app.id: a.app for a in view.pending}
        self.apps.update({c.app.id: c.app for c in view.running})

    def band(self, app: App, role: str, executor_size: tuple[float, float] | None
             ) -> CurveArray | None:
        spec = self.apps.get(app.id)
        roles = [] if spec is None else [r for r in spec.roles if r.role == role]
        if not roles:
            return None
        curve = self.scheduler.curve_of(spec, roles[0])  # type: ignore[arg-type]
        return curve.allocation if curve.predicted else None

    def bump(self, app: App, role: str) -> None:
        self.scheduler.bumped.add((app.name, role))


def _flat(values: np.ndarray) -> Curves:
    return tuple((float(v),) for v in values)


def _snapshot(view: ClusterView, now_ms: int, slot_ms: int) -> PictureSnapshot:
    nodes = tuple(
        Node(name, "/default-rack", "", _flat(view.capacity[i]), _flat(view.ledger[i]),
             _flat(view.used[i]))
        for i, name in enumerate(view.node_names))
    # Every app the RM lists: those with asks and those with running containers only.
    specs = {a.app.id: a.app for a in view.pending}
    specs.update({c.app.id: c.app for c in view.running})
    apps = {s.id: App(s.id, s.queue, s.user, s.name, s.type, 0, round(s.arrival_s * 1000),
                      s.tags) for s in specs.values()}
    asks = tuple(sorted(
        (Ask(a.key, a.app.id, 0 if a.role.is_am else 1, 0, a.count,
             _flat(a.role.requested),
             am=a.role.is_am) for a in view.pending), key=lambda a: a.key))
    containers = tuple(sorted((_container(c, view, now_ms, slot_ms) for c in view.running),
                              key=lambda c: c.id))
    return PictureSnapshot("simulator", view.slot, now_ms, slot_ms, tuple(sorted(
        nodes, key=lambda n: n.id)), MappingProxyType(apps), asks, containers)


def _container(c: RunningContainer, view: ClusterView, now_ms: int, slot_ms: int) -> Container:
    """Started `position` slots ago as far as its curve goes: a slowed container is where
    its progress is, not where the clock would put it."""
    ledger = c.allocation.at(c.position)[0].copy()
    ledger[:2] = c.allocated
    return Container(c.id, c.app.id, view.node_names[c.node], _flat(ledger),
                     now_ms - c.position * slot_ms, request=_flat(c.role.requested))


def _forecaster(workload: Workload) -> Forecaster:
    runs = [run_of(app, index) for index, app in enumerate(workload.history)]
    return Forecaster(runs, _feature_model(runs))


def _feature_model(runs: Sequence[Run]) -> CurveModel | None:
    try:
        return train(runs)
    except ValueError:
        return None  # too few runs to train on: the history predictors alone
