"""The room a node keeps free for predicted increases, table by table (lead 1 slot, steps
of 1 vcore and 128 MB), and the placement counting it."""

from __future__ import annotations

import numpy as np
import pytest
from yarn_elastic.scheduling.headroom import node_headroom, with_headroom
from yarn_elastic.scheduling.resize import ResizeRules

RULES = ResizeRules(lead_slots=1, vcores_step=1.0, memory_step_mb=128.0)


def curve(vcores: list[float], memory: list[float]) -> np.ndarray:
    return np.array([vcores, memory, [0.0] * len(vcores), [0.0] * len(vcores)])


@pytest.mark.parametrize(
    ("vcores", "memory", "allocated", "kept_vcores", "kept_memory"),
    [
        # Flat at its allocation: nothing rises, nothing is kept.
        ([2, 2, 2, 2], [1024, 1024, 1024, 1024], (2, 1024), [0, 0, 0, 0], [0, 0, 0, 0]),
        # Memory alone rises at slot 3 (1024 -> 2048): a vcore step is kept at slots 2-3,
        # from the slot the planner asks for the increase (one ahead) through the rise.
        ([2, 2, 2, 2, 2], [1024, 1024, 1024, 2048, 2048], (2, 1024),
         [0, 0, 1, 1, 0], [0] * 5),
        # Vcores alone rise at slot 2 (1 -> 3): 128 MB kept at slots 1-2.
        ([1, 1, 3, 3], [512, 512, 512, 512], (1, 512), [0, 0, 0, 0], [0, 128, 128, 0]),
        # Both rise at slot 2: the committed curve itself leaves a step of each free.
        ([1, 1, 3, 3], [512, 512, 1024, 1024], (1, 512), [0] * 4, [0] * 4),
        # Falls only (2 -> 1 vcores, 2048 -> 512 MB): nothing kept.
        ([2, 1, 1, 1], [2048, 512, 512, 512], (2, 2048), [0] * 4, [0] * 4),
        # An increase asked for now: the next size (1 vcore, 2048 MB) is above the 1024 MB
        # the RM allocates, a memory-only rise at slot 0, so a vcore is kept now.
        ([1, 1, 1, 1], [2048, 2048, 2048, 2048], (1, 1024), [1, 0, 0, 0], [0] * 4),
    ],
)
def test_room_kept_for_one_container(vcores: list[float], memory: list[float],
                                     allocated: tuple[float, float], kept_vcores: list[float],
                                     kept_memory: list[float]) -> None:
    room = node_headroom(curve(vcores, memory)[None], np.array([allocated], dtype=float),
                         RULES)
    np.testing.assert_array_equal(room[0], kept_vcores)
    np.testing.assert_array_equal(room[1], kept_memory)
    assert not room[2:].any()


def test_a_node_keeps_one_step_however_many_containers_need_it() -> None:
    # Two containers rise in memory alone at slot 2, a third in vcores alone at slot 3:
    # one vcore at slots 1-2 (not two), and 128 MB at slots 2-3.
    remaining = np.stack([curve([1, 1, 1, 1], [512, 512, 1024, 1024]),
                          curve([2, 2, 2, 2], [256, 256, 512, 512]),
                          curve([1, 1, 1, 2], [512, 512, 512, 512])])
    room = node_headroom(remaining, np.array([[1, 512], [2, 256], [1, 512]], dtype=float),
                         RULES)
    np.testing.assert_array_equal(room[0], [0, 1, 1, 0])
    np.testing.assert_array_equal(room[1], [0, 0, 128, 128])


def test_room_in_the_last_column_is_not_held_for_ever() -> None:
    # A committed curve's last column holds for ever, so room kept in it (a rise at the last
    # slot) is followed by one more column without it.
    committed = curve([2, 2, 2], [1024, 1024, 2048])
    room = node_headroom(committed[None], np.array([[2.0, 1024.0]]), RULES)
    counted = with_headroom(committed, room)
    np.testing.assert_array_equal(counted[0], [2, 3, 3, 2])
    np.testing.assert_array_equal(counted[1], [1024, 1024, 2048, 2048])


def test_a_longer_lead_keeps_the_room_earlier() -> None:
    # Lead 3 slots: a memory rise at slot 4 keeps a vcore from slot 1.
    rules = ResizeRules(lead_slots=3)
    room = node_headroom(curve([1] * 6, [512] * 4 + [1024] * 2)[None],
                         np.array([[1.0, 512.0]]), rules)
    np.testing.assert_array_equal(room[0], [0, 1, 1, 1, 1, 0])
