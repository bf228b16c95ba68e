"""yarn.elastic.* values (and the Hadoop and estimator keys read beside them), as they arrive
from yarn-site.xml: strings, so text XML can carry (no NUL, no lone surrogate, no other
control character XML 1.0 forbids). Each case sets one to three keys and runs every key's
`Key.read` and the readers that combine keys at start-up; a refusal must be a
ConfigurationError naming a key that was set. A number accepted must be finite."""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable, Mapping
from typing import Any

import yarn_elastic
import yarn_elastic_agent
from hypothesis import strategies as st
from yarn_elastic.hadoop_conf import ConfigurationError
from yarn_elastic.settings import Key

from benchmarks.reliability.fuzzing.engine import ACCEPTED, Outcome, crash, refused

# The start-up readers that combine keys, by module and name; one renamed or not yet there
# is skipped rather than failing the fuzz (KEYS below are found by walking the packages).
READERS = (("yarn_elastic.scheduling.config", "resize_rules"),
           ("yarn_elastic.estimator.config", "read_estimator_config"),
           ("yarn_elastic.slots", "slot_lengths"),
           ("yarn_elastic_agent.config", "settings_from"),
           ("yarn_elastic_agent.config", "cpu_limit_settings"))


def _keys() -> dict[str, Key[Any]]:
    found: dict[str, Key[Any]] = {}
    for package in (yarn_elastic, yarn_elastic_agent):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".devcluster" in module.name:  # the dev cluster's own, not an operator's
                continue
            for value in vars(importlib.import_module(module.name)).values():
                if isinstance(value, Key):
                    found[value.name] = value
    return found


def _readers() -> list[Callable[[Mapping[str, str]], object]]:
    found = []
    for module, name in READERS:
        try:
            found.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            continue
    return found


KEYS = _keys()
_READ = _readers()
_XML_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n"),
                    max_size=12)
_NUMBERS = st.sampled_from(["0", "-1", "1", "0.5", "1e309", "-1e309", "inf", "-inf", "nan",
                            "1_000", " 7 ", "0x10", "٣", "9" * 5000, "1e-400", "2147483648",
                            "9223372036854775808", "1.", ".5", "+3", "true", "FALSE", ""])


@st.composite
def _value(draw: st.DrawFn, key: Key[Any]) -> str:
    shown = str(key.default).lower() if isinstance(key.default, bool) else str(key.default)
    value: str = draw(st.one_of(st.just(shown), _NUMBERS, _XML_TEXT,
                          _XML_TEXT.map(lambda s: shown + s), st.integers().map(str),
                          st.floats().map(str)))
    return value


@st.composite
def cases(draw: st.DrawFn) -> dict[str, str]:
    names = draw(st.lists(st.sampled_from(sorted(KEYS)), min_size=1, max_size=3, unique=True))
    return {name: draw(_value(KEYS[name])) for name in names}


CASES = cases()


def handle(conf: dict[str, str]) -> Outcome:
    try:
        for name in conf:
            value = KEYS[name].read(conf)
            if isinstance(value, float) and not math.isfinite(value):
                return crash(f"{name}={conf[name]!r} was accepted as {value}")
        for read in _READ:
            read(conf)
    except ConfigurationError as exc:
        return refused(str(exc), lambda m: any(name in m for name in conf))
    return ACCEPTED
