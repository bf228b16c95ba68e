"""Typed configuration keys read from yarn-site.xml, each with a default and its valid values.

Every component declares its keys as `Key` constants next to the code that uses them, and reads
them with `Key.read(conf)`. A bad value raises `ConfigurationError` naming the key, the value
and what would be valid, which is what an operator needs to fix the file.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from yarn_elastic.hadoop_conf import ConfigurationError

T = TypeVar("T")


@dataclass(frozen=True)
class Key(Generic[T]):
    name: str
    default: T
    parse: Callable[[str], T]
    valid: str
    doc: str

    def read(self, conf: Mapping[str, str]) -> T:
        raw = conf.get(self.name)
        if raw is None or raw.strip() == "":
            return self.default
        try:
            return self.parse(raw.strip())
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(
                f"{self.name}={raw!r} is invalid ({exc}); valid values: {self.valid}"
            ) from exc


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must not be negative")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    # float() reads "inf" and "1e999" as infinity, which no duration or size can be.
    if not 0 < value < math.inf:
        raise ValueError("must be a finite number greater than 0")
    return value


def between(low: float, high: float) -> Callable[[str], float]:
    """A number from `low` to `high`, both included."""
    def parse(text: str) -> float:
        value = float(text)
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return value

    return parse


fraction = between(0.0, 1.0)


def port_number(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise ValueError("must be a TCP port, 0-65535")
    return value


def boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise ValueError("must be true or false")


def one_of(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return text

    return parse
