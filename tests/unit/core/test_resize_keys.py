"""The resize keys of yarn-site.xml become `ResizeRules`: the live core takes each key's
default, the simulator keeps its own rules for every key not set."""

from __future__ import annotations

import pytest
from yarn_elastic.hadoop_conf import ConfigurationError
from yarn_elastic.scheduling.config import resize_rules
from yarn_elastic.scheduling.resize import ResizeRules


def test_unset_keys_take_their_defaults_for_the_live_core() -> None:
    rules = resize_rules({"yarn.elastic.resize.room-for-new-containers": "true"})
    # yarn.scheduler.minimum-allocation-mb's Hadoop default, not the simulator's 128 MB.
    assert (rules.memory_step_mb, rules.lead_slots, rules.room_for_new_containers) == (
        1024.0, 1, True)


def test_over_a_base_only_the_keys_set_change() -> None:
    base = ResizeRules(memory_step_mb=128.0, lead_slots=3)
    rules = resize_rules({"yarn.elastic.resize.lead-slots": "2"}, base)
    assert (rules.memory_step_mb, rules.lead_slots) == (128.0, 2)
    assert resize_rules({}, base) == base


def test_a_bad_value_names_the_key_and_what_is_valid() -> None:
    with pytest.raises(ConfigurationError,
                       match="room-for-new-containers='maybe' is invalid.*true or false"):
        resize_rules({"yarn.elastic.resize.room-for-new-containers": "maybe"})
