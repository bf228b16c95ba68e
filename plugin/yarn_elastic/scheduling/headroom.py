"""Room a node keeps free for the increases its running containers are predicted to need.

CapacityScheduler 3.4.1 tries no request on a node, an increase included, while any resource
there has less than one minimum allocation unallocated (`allocateContainerOnSingleNode` asks
the resource calculator how many minimum allocations still fit, and returns when none does).
A placement that takes a node's last vcore therefore blocks a memory-only increase there,
however much memory is free: the container runs above its allocation until the NodeManager
kills it, or never gets the memory its band planned.

So the placement counts, on top of a node's committed curve, one step of the resource a rise
does not itself need: a vcore step for a rise in memory alone, a memory step for a rise in
vcores alone. It is kept from `lead_slots` before the rise (when the resize planner asks for
the increase) through the rise itself. A rise in both needs nothing kept: the committed curve
already leaves at least a step of each free for it. An increase the planner asks for now
(its next size above its allocation) is a rise at slot 0.

The same functions serve one node (`node_headroom`, what `CurveDemandModel.node_committed`
adds) and every node at once (`ElasticDemand.node_commitments`): they work over any leading
axes.

An ask placed this cycle will rise too, once the planner shrinks it, so it needs room as well
(`ask_room`). That room is a node's, not the ask's: one step kept on a node serves every rise
there, so placing an ask makes the node keep the larger of the two rooms, never their sum
(`room_added`). Summing them made each executor hold a second vcore over every rise window of
its band, which cost a fifth to a third of the makespan on small nodes (benchmarks/README.md).
An ask keeps no room on a node too small for it and its room (`room_on`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from yarn_elastic.resources import RESOURCES, CurveArray
from yarn_elastic.scheduling.resize import CPU, MEMORY, ResizeRules

BoolArray = npt.NDArray[np.bool_]


def rises(remaining: CurveArray, allocated: CurveArray) -> BoolArray:
    """(..., 2, T) where each container's vcores and memory rise: above the previous slot,
    and at slot 0 above what the RM allocates it now. `remaining` is (..., 4, T) from now,
    `allocated` (..., 2)."""
    before = np.concatenate([allocated[..., None], remaining[..., :2, :-1]], axis=-1)
    found: BoolArray = remaining[..., :2, :] > before + 1e-9
    return found


def room_needed(rising: BoolArray) -> BoolArray:
    """(..., 2, T) which resource must be kept free for a rise: the one that does not rise."""
    needed = np.empty_like(rising)
    needed[..., CPU, :] = rising[..., MEMORY, :] & ~rising[..., CPU, :]
    needed[..., MEMORY, :] = rising[..., CPU, :] & ~rising[..., MEMORY, :]
    return needed


def kept_free(needed: BoolArray, rules: ResizeRules) -> CurveArray:
    """(..., 4, T) the room kept: one step of a needed resource from `lead_slots` before each
    slot that needs it through that slot."""
    held = needed.copy()
    for ahead in range(1, min(rules.lead_slots, needed.shape[-1] - 1) + 1):
        held[..., :-ahead] |= needed[..., ahead:]
    room = np.zeros((*needed.shape[:-2], RESOURCES, needed.shape[-1]))
    room[..., CPU, :] = np.where(held[..., CPU, :], rules.vcores_step, 0.0)
    room[..., MEMORY, :] = np.where(held[..., MEMORY, :], rules.memory_step_mb, 0.0)
    return room


def with_headroom(committed: CurveArray, room: CurveArray) -> CurveArray:
    """(..., 4, T') the committed curves with their room added; one held column wider when
    room is kept in the last one, as a committed curve's last column holds for ever."""
    out: CurveArray = committed + room
    if np.any(room[..., -1]):
        out = np.concatenate([out, committed[..., -1:]], axis=-1)
    return out


def node_headroom(remaining: CurveArray, allocated: CurveArray, rules: ResizeRules
                  ) -> CurveArray:
    """(4, T) the room one node keeps, from its containers' (k, 4, T) curves from now (each
    held to T) and their (k, 2) allocations."""
    needed: BoolArray = np.any(room_needed(rises(remaining, allocated)), axis=0)
    return kept_free(needed, rules)


def ask_room(curve: CurveArray, rules: ResizeRules) -> CurveArray:
    """(4, T) the room a new container's (4, T) curve needs kept on its node: its rises after
    its start, where the RM allocates its first column."""
    return kept_free(room_needed(rises(curve, curve[:2, 0])), rules)


def room_on(ask: CurveArray | None, demand: CurveArray, capacity: CurveArray
            ) -> CurveArray | None:
    """The (..., 4, H) room asks of `demand` need on a node of (4, H) `capacity`: none where
    an ask and its room exceed the node. Alone there, such a container leaves no step free,
    so the planner never shrinks it below its life's peak (`resize.shrunk_for_life`) and it
    needs no increase; keeping the room would keep it off that node for ever."""
    if ask is None:
        return None
    kept: CurveArray = np.where(demand + ask <= capacity + 1e-9, ask, 0.0)
    return kept


def room_added(ask: CurveArray, node: CurveArray | None) -> CurveArray:
    """What placing an ask adds to a node's committed curve for room, beyond its own curve:
    the part of its (..., 4, H) room the node's (4, H) room does not already keep."""
    if node is None:
        return ask
    added: CurveArray = np.maximum(ask - node, 0.0)
    return added


def zero_padded(room: CurveArray, width: int) -> CurveArray:
    """(..., 4, width) room cut or padded with zeros: room is kept only where a rise was
    seen, never held past the last column the way a curve's last value is."""
    have = room.shape[-1]
    if have >= width:
        cut: CurveArray = room[..., :width].copy()
        return cut
    pad = [(0, 0)] * (room.ndim - 1) + [(0, width - have)]
    padded: CurveArray = np.pad(room, pad)
    return padded


def with_room(demand: CurveArray, ask: CurveArray | None, node: CurveArray | None
              ) -> CurveArray:
    """What placing one container of each (..., 4, H) demand takes of a node that keeps
    `node` room: its curve and the room it adds (`room_added`)."""
    if ask is None:
        return demand
    taken: CurveArray = demand + room_added(ask, node)
    return taken


def kept_after(ask: CurveArray | None, node: CurveArray | None) -> CurveArray | None:
    """The node's (4, H) room once an ask that needs `ask` room is placed there."""
    if ask is None:
        return node
    kept: CurveArray = ask.copy() if node is None else np.maximum(node, ask)
    return kept
