"""The one slot length of every resource curve: `yarn.elastic.slot-ms`.

The shim reads the key (ElasticConfiguration) and sends it in every cycle request; the core
reads the same key from the same yarn-site.xml, so the runs it learns from, the bands it
predicts and the resource estimator's default step all come from it. Two older keys once set
slot lengths of their own and disagreed with it (5 s against 3 s):

- `yarn.elastic.prediction.slot-seconds` is deprecated. It no longer sets anything except, on
  the first start after the upgrade, the slot length of the runs stored before runs recorded
  theirs (`ModelStore` writes that length into them once);
- Hadoop's `resourceestimator.timeInterval` is kept, so that a Hadoop estimator configuration
  works unchanged, but when unset it follows this key (estimator/config.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from yarn_elastic.settings import Key, positive_int

LOG = logging.getLogger("yarn_elastic.slots")

SLOT_MS = Key(
    "yarn.elastic.slot-ms", 3000, positive_int, "milliseconds > 0",
    "Length of one time slot of every resource curve: the cycle's, the learnt runs' and the"
    " predicted bands'. It matches the agent's default sampling interval.",
)
DEPRECATED_SLOT_SECONDS = "yarn.elastic.prediction.slot-seconds"
# That key's default, hence the slot length of runs stored before each run recorded its own.
LEGACY_SLOT_MS = 5000


@dataclass(frozen=True)
class SlotLengths:
    slot_ms: int
    # Slot length of stored runs and models that recorded none (written before slot lengths
    # were recorded).
    legacy_ms: int = LEGACY_SLOT_MS


def slot_lengths(conf: Mapping[str, str]) -> SlotLengths:
    """The slot length, and that of unrecorded stored runs; warns of the deprecated key."""
    slot_ms = SLOT_MS.read(conf)
    raw = (conf.get(DEPRECATED_SLOT_SECONDS) or "").strip()
    if not raw:
        return SlotLengths(slot_ms)
    try:
        legacy_ms = positive_int(raw) * 1000
    except ValueError:
        # An operator's stale key must not stop the core: it sets nothing any more.
        LOG.warning("%s=%r is deprecated and ignored, and is not a whole number of seconds"
                    " either: every curve's slot is %s (%d ms); runs stored without a slot"
                    " length are read as %d ms slots. Remove the key from yarn-site.xml.",
                    DEPRECATED_SLOT_SECONDS, raw, SLOT_MS.name, slot_ms, LEGACY_SLOT_MS)
        return SlotLengths(slot_ms)
    LOG.warning("%s=%s is deprecated and ignored as a slot length: every curve's slot is %s"
                " (%d ms). Its only use left: runs stored by a version that recorded no slot"
                " length are taken to have %d ms slots (recorded into them once). Remove the"
                " key from yarn-site.xml.", DEPRECATED_SLOT_SECONDS, raw, SLOT_MS.name, slot_ms,
                legacy_ms)
    return SlotLengths(slot_ms, legacy_ms)


def whole_seconds(slot_ms: int) -> int:
    """The slot in whole seconds (at least 1), for Hadoop's estimator, whose step is one."""
    return max(1, (slot_ms + 500) // 1000)
