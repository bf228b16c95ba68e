"""The asks the last cycle left without a container, for the status page, the decisions
endpoint and the log.

An ask that waits for room is normal and only counted. One that can never be placed as
asked (no node in its partition, larger than any node) is an operator's problem: it is
logged once, with what to change, and again only if it goes away and comes back.
"""

from __future__ import annotations

import logging
from collections import Counter

from yarn_elastic.scheduling.unplaced import (
    LARGER_THAN_ANY_NODE,
    NEVER_PLACEABLE,
    NO_PERMITTED_NODE,
    Unplaced,
)

LOG = logging.getLogger(__name__)

_FIX = {
    LARGER_THAN_ANY_NODE: "no node it may use could hold one container even empty; ask for"
                          " less, or add larger nodes",
    NO_PERMITTED_NODE: "no node is in its partition or on its strict locality list; check the"
                       " node labels and the ask's locality",
}


class UnplacedReport:
    def __init__(self) -> None:
        self.seq = -1
        self.last: tuple[Unplaced, ...] = ()
        self._warned: set[str] = set()

    def record(self, seq: int, unplaced: tuple[Unplaced, ...]) -> None:
        self.seq, self.last = seq, unplaced
        never = {u.ask: u for u in unplaced if u.reason in NEVER_PLACEABLE}
        for key in never.keys() - self._warned:
            ask = never[key]
            LOG.warning("ask %s of %s (%d containers) can never be placed as asked (%s): %s",
                        key, ask.app, ask.count, ask.reason,
                        _FIX[ask.reason])
        self._warned = set(never)

    def summary(self) -> dict[str, object]:
        by_reason = Counter[str]()
        for ask in self.last:
            by_reason[ask.reason] += ask.count
        return {"seq": self.seq, "asks": len(self.last),
                "containers": sum(by_reason.values()), "by_reason": dict(sorted(by_reason.items()))}

    def entries(self) -> list[dict[str, object]]:
        return [{"seq": self.seq, "ask": u.ask, "app": u.app, "count": u.count,
                 "reason": u.reason} for u in self.last]
