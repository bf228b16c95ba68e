"""The one rule for every secret the project reads from a file: the core's Py4J token and
the depository's shared token, in the core, the agent and the `usage` command alike (the
shim's reader in Java, `TokenFile`, keeps the same rule).

A token file must be readable, non-empty, and not readable by other users: a secret every
user can read guards nothing. Each refusal names the key and the command that fixes it.
"""

from __future__ import annotations

import stat
from pathlib import Path

from yarn_elastic.hadoop_conf import ConfigurationError


def read_token_file(path: Path, key: str) -> str:
    try:
        mode = path.stat().st_mode
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(
            f"{key}={str(path)!r}: cannot read the token file ({exc.strerror or exc}); create"
            f" it with a random secret, readable only by its service's user: "
            f"`openssl rand -hex 32 > {path} && chmod 600 {path}`"
        ) from exc
    if not token:
        raise ConfigurationError(
            f"{key}={str(path)!r}: the token file is empty; put a random secret in it "
            f"(`openssl rand -hex 32 > {path}`)")
    if mode & stat.S_IROTH:
        raise ConfigurationError(
            f"{key}={str(path)!r}: the token file is readable by every user; run: "
            f"chmod o-rwx {path}")
    return token
