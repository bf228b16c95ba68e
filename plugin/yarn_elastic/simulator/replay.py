"""One workload under several schedulers: the library call behind `yarn-elastic simulate`
and the simulator benchmark."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from yarn_elastic.scheduling.resize import ResizeRules
from yarn_elastic.simulator.engine import Engine
from yarn_elastic.simulator.model import Workload
from yarn_elastic.simulator.results import SchedulerRun
from yarn_elastic.simulator.schedulers import SCHEDULERS, make_scheduler

Progress = Callable[[str, int, int], None]  # scheduler, slot, slot limit


class UnknownScheduler(ValueError):
    pass


def check_names(names: Sequence[str]) -> list[str]:
    unknown = [n for n in names if n not in SCHEDULERS]
    if unknown or not names:
        raise UnknownScheduler(
            f"unknown scheduler(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {','.join(SCHEDULERS)}")
    return list(dict.fromkeys(names))


def replay(workload: Workload, names: Sequence[str], seed: int = 0,
           progress: Progress | None = None,
           am_share: float | None = None,
           rules: ResizeRules | None = None) -> dict[str, SchedulerRun]:
    """Each named scheduler's replay; `am_share` overrides the workload's, and `rules` the
    default resize rules of `elastic` and `oracle`."""
    runs = {}
    for name in check_names(names):
        def tick(slot: int, limit: int, name: str = name) -> None:
            if progress is not None:
                progress(name, slot, limit)

        scheduler = make_scheduler(name, seed, rules)
        runs[name] = Engine(workload, scheduler, on_slot=tick,
                            am_share=am_share).run()
    return runs
