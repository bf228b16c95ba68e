from __future__ import annotations

from yarn_elastic_agent.sampling import PidCounters, pid_growth


def counters(
    created: float, cpu: float, read: int | None = 0, write: int | None = 0
) -> PidCounters:
    return PidCounters(created, cpu, rss=1, pss=None, read_bytes=read, write_bytes=write)


def test_a_known_process_counts_its_growth() -> None:
    assert pid_growth(counters(5, 1.0, 10, 20), counters(5, 3.5, 30, 25), 100.0) == (2.5, 20, 5)


def test_a_process_born_in_the_interval_counts_everything() -> None:
    assert pid_growth(None, counters(101, 0.7, 4, 8), previous_tick=100.0) == (0.7, 4, 8)


def test_a_process_first_seen_but_older_is_only_a_baseline() -> None:
    assert pid_growth(None, counters(50, 9.0), previous_tick=100.0) == (0.0, 0, 0)


def test_a_reused_pid_is_treated_as_a_new_process() -> None:
    assert pid_growth(counters(5, 9.0), counters(101, 0.5), 100.0)[0] == 0.5


def test_unreadable_io_stays_unknown_rather_than_zero() -> None:
    assert pid_growth(counters(5, 1.0, None, None), counters(5, 2.0, None, None), 1.0)[1:] == (
        None, None)
