"""Key parsers: a bad yarn-site.xml value is a ConfigurationError naming the key."""

from __future__ import annotations

import pytest
from yarn_elastic.hadoop_conf import ConfigurationError
from yarn_elastic.settings import Key, positive_float

SETTLE = Key("yarn.elastic.test.seconds", 15.0, positive_float, "seconds > 0", "")


@pytest.mark.parametrize("text", ["0.25", "15", "1e300"])
def test_a_positive_number_is_read(text: str) -> None:
    assert SETTLE.read({SETTLE.name: text}) == float(text)


# Found by benchmarks/reliability/fuzz.py: float() reads these as infinity, which was accepted.
@pytest.mark.parametrize("text", ["inf", "1e309", "9" * 400, "nan", "0", "-1"])
def test_infinite_or_not_positive_is_refused_naming_the_key(text: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^yarn\.elastic\.test\.seconds="):
        SETTLE.read({SETTLE.name: text})
