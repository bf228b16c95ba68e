"""docs/configuration.md lists every yarn.elastic.* key the code reads, the core's and agent's
(Python `Key`s) and the shim's (ElasticConfiguration), each with its default and valid values;
and nothing else, but the deprecated keys, in a section of their own."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import yarn_elastic
import yarn_elastic_agent
from yarn_elastic.settings import Key
from yarn_elastic.slots import DEPRECATED_SLOT_SECONDS

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "docs" / "configuration.md"
ROW = re.compile(r"^\| `(yarn\.elastic\.[^`]+)` \| ([^|]*) \| ([^|]*) \|", re.M)
DEPRECATED_SECTION = "\n## Deprecated keys\n"
# The shim spells its keys PREFIX + "suffix" (ElasticConfiguration), or whole.
JAVA_KEY = re.compile(r'(?:PREFIX \+ |"yarn\.elastic\.)"?([a-z0-9.-]+)"')
SHIM_CONFIGURATION = (ROOT / "java-shim" / "src" / "main" / "java" / "org" / "yarnelastic"
                      / "shim" / "ElasticConfiguration.java")
JAVA_CONSTANT = re.compile(r'static final String (\w+) = (?:PREFIX \+ )?"([^"]*)";')
# Each field's reading: `field = reader(conf, KEY, default);` or `conf.getTrimmed(KEY, default)`.
JAVA_READ = re.compile(
    r"^\s+\w+ = (?:conf\.getTrimmed|positiveInt|positiveDouble|parseBoolean)"
    r"\((?:conf, )?([A-Z_]+), (.+)\);$", re.M)


def documented(text: str | None = None) -> dict[str, str]:
    """Each key with a row of its own on the page, and that row's default column."""
    rows = ROW.findall(REFERENCE.read_text() if text is None else text)
    return {name: default.strip() for name, default, _valid in rows}


def current_page() -> str:
    """The page without its deprecated keys' section."""
    return REFERENCE.read_text().split(DEPRECATED_SECTION)[0]


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


def java_keys() -> dict[str, str]:
    """Each key ElasticConfiguration reads, with its default as the page would show it (None:
    computed at run time, such as the log file under ${yarn.log.dir})."""
    text = SHIM_CONFIGURATION.read_text()
    constants = dict(JAVA_CONSTANT.findall(text))
    prefix = constants.pop("PREFIX")
    found: dict[str, str] = {}
    for constant, default in JAVA_READ.findall(text):
        key = prefix + constants[constant]
        if default == '""':
            found[key] = "*(empty)*"
        elif default in constants:
            found[key] = f"`{constants[default]}`"
        elif default.endswith("()"):
            found[key] = ""
        else:
            found[key] = f"`{default.removesuffix('.0')}`"
    return found


def test_every_python_key_has_a_row_with_its_default() -> None:
    rows = documented(current_page())
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
    missing = sorted(keys - set(documented(current_page())))
    assert not missing, f"add these keys to {REFERENCE}: {missing}"
    unread = sorted(keys - set(java_keys()))
    assert not unread, f"the test cannot see how ElasticConfiguration reads {unread}"


def test_every_key_the_shim_reads_has_its_default_on_the_page() -> None:
    rows = documented(current_page())
    keys = java_keys()
    assert keys["yarn.elastic.slot-ms"] == "`3000`" and len(keys) > 10
    assert all(rows[name] for name in keys), "a row without a default"
    wrong = {name: (rows[name], default) for name, default in keys.items()
             if default and rows[name] != default}
    assert not wrong, f"defaults differ between the page and the shim (page, shim): {wrong}"


def test_a_key_both_the_shim_and_the_core_read_has_one_default() -> None:
    shim, core = java_keys(), python_keys()
    shared = sorted(set(shim) & set(core))
    assert "yarn.elastic.slot-ms" in shared
    differ = {name: (shim[name], shown(core[name].default)) for name in shared
              if shim[name] != shown(core[name].default)}
    assert not differ, f"the shim and the core default differently (shim, core): {differ}"


def test_every_row_names_its_valid_values() -> None:
    empty = [name for name, _default, valid in ROW.findall(current_page()) if not valid.strip()]
    assert not empty, f"say which values are valid for {empty} in {REFERENCE}"


def test_the_page_lists_no_key_nothing_reads_outside_the_deprecated_section() -> None:
    sources = (ROOT / "java-shim" / "src" / "main").rglob("*.java")
    read = set(python_keys()) | {
        f"yarn.elastic.{k}" for path in sources for k in JAVA_KEY.findall(path.read_text())}
    stale = sorted(set(documented(current_page())) - read)
    assert not stale, f"no code reads {stale}: remove them or move them to Deprecated keys"
    deprecated = REFERENCE.read_text().split(DEPRECATED_SECTION)[1]
    rows = documented(deprecated)
    assert set(rows) == {DEPRECATED_SLOT_SECONDS}, rows
    assert "`yarn.elastic.slot-ms`" in rows[DEPRECATED_SLOT_SECONDS]  # names its replacement
