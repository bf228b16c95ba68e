"""Read Hadoop's XML configuration files (yarn-site.xml, resourceestimator-config.xml).

Operators already keep yarn-elastic's keys in yarn-site.xml, so the core and the agent read
that same file rather than a second format. The rules follow Hadoop's `Configuration`: later
files override earlier ones unless a property is `<final>true</final>`, and `${name}` expands to
another property or a Java-style system property (here: the environment).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from lxml import etree

_VARIABLE = re.compile(r"\$\{([^}$\s]+)\}")
_MAX_EXPANSION_DEPTH = 20


class ConfigurationError(ValueError):
    """A configuration file or value is unusable; the message names it and the fix."""


def read_configuration(paths: Iterable[str | Path]) -> dict[str, str]:
    """Merge Hadoop XML configuration files in order and expand `${...}` references."""
    raw: dict[str, str] = {}
    final: set[str] = set()
    for path in paths:
        for name, value, is_final in _properties(Path(path)):
            if name in final:
                continue
            raw[name] = value
            if is_final:
                final.add(name)
    return {name: expand(value, raw) for name, value in raw.items()}


def _properties(path: Path) -> list[tuple[str, str, bool]]:
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except OSError as exc:
        raise ConfigurationError(f"cannot read configuration file {path}: {exc}") from exc
    except etree.XMLSyntaxError as exc:
        raise ConfigurationError(
            f"configuration file {path} is not well-formed XML ({exc}); fix the file"
        ) from exc
    root = tree.getroot()
    if root.tag != "configuration":
        raise ConfigurationError(
            f"configuration file {path} has root <{root.tag}>; Hadoop expects <configuration>"
        )
    found: list[tuple[str, str, bool]] = []
    for prop in root.iter("property"):
        name = (prop.findtext("name") or "").strip()
        if not name:
            raise ConfigurationError(
                f"configuration file {path} line {prop.sourceline}: <property> without <name>"
            )
        value = prop.findtext("value") or ""
        is_final = (prop.findtext("final") or "").strip().lower() == "true"
        found.append((name, value.strip(), is_final))
    return found


def expand(value: str, properties: Mapping[str, str]) -> str:
    """Expand `${name}` from other properties, then the environment; unknown names stay."""
    for _ in range(_MAX_EXPANSION_DEPTH):
        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("env."):
                return os.environ.get(name[4:], match.group(0))
            return properties.get(name, os.environ.get(name, match.group(0)))

        expanded = _VARIABLE.sub(substitute, value)
        if expanded == value:
            return expanded
        value = expanded
    raise ConfigurationError(f"value {value!r} expands more than {_MAX_EXPANSION_DEPTH} times")
