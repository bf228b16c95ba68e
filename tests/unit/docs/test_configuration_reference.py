"""docs/configuration.md lists every yarn.elastic.* key the code reads, with its default."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import yarn_elastic
import yarn_elastic_agent
from yarn_elastic.settings import Key

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "docs" / "configuration.md"
ROW = re.compile(r"^\| `(yarn\.elastic\.[^`]+)` \| ([^|]*) \|", re.M)
# The shim spells its keys PREFIX + "suffix" (ElasticConfiguration), or whole.
JAVA_KEY = re.compile(r'(?:PREFIX \+ |"yarn\.elastic\.)"?([a-z0-9.-]+)"')


def documented() -> dict[str, str]:
    """Each key with a row of its own on the page, and that row's default column."""
    return {name: default.strip() for name, default in ROW.findall(REFERENCE.read_text())}


def python_keys() -> dict[str, Key[object]]:
    found: dict[str, Key[object]] = {}
    for package in (yarn_elastic, yarn_elastic_agent):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            for value in vars(importlib.import_module(module.name)).values():
                if isinstance(value, Key) and value.name.startswith("yarn.elastic."):
                    found[value.name] = value
    return found


def shown(default: object) -> str:
    if default in ("", None, ()):
        return "*(empty)*"
    return f"`{str(default).lower() if isinstance(default, bool) else default}`"


def test_every_python_key_has_a_row_with_its_default() -> None:
    rows = documented()
    keys = python_keys()
    assert len(keys) > 30  # the walk found the components' keys
    missing = sorted(set(keys) - set(rows))
    assert not missing, f"add these keys to {REFERENCE}: {missing}"
    wrong = {name: (rows[name], shown(key.default)) for name, key in keys.items()
             if rows[name] != shown(key.default)}
    assert not wrong, f"defaults differ between the page and the code (page, code): {wrong}"


def test_every_key_the_shim_reads_has_a_row() -> None:
    sources = (ROOT / "java-shim" / "src" / "main").rglob("*.java")
    keys = {f"yarn.elastic.{k}" for path in sources for k in JAVA_KEY.findall(path.read_text())}
    assert "yarn.elastic.enabled" in keys
    missing = sorted(keys - set(documented()))
    assert not missing, f"add these keys to {REFERENCE}: {missing}"
