"""Who may call a route: one bearer-token guard for the depository and the estimator alike.

A guard is built from the yarn-site.xml key that names its token file. An empty key is a
refusal to start, unless the operator passed `--insecure`: then the guard lets every request
through and says so in the log, once, at start. The router will not mount a route that
changes stored state without a guard (`Router.add`), so no write can be left open by
forgetting one.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from yarn_elastic.hadoop_conf import ConfigurationError
from yarn_elastic.settings import Key
from yarn_elastic.token_file import read_token_file
from yarn_elastic.web.router import Request, Response, error_response

LOG = logging.getLogger(__name__)

INSECURE_FLAG = "--insecure"


def bearer(token: str | None) -> dict[str, str]:
    """The header a caller sends with `token`; none without one."""
    return {"Authorization": f"Bearer {token}"} if token else {}


@dataclass(frozen=True)
class TokenGuard:
    """Refuses a request that lacks `Authorization: Bearer <token>` (401) or carries another
    token (403). With no token (started with --insecure) it refuses nothing."""

    key: str
    token: str | None

    @classmethod
    def from_conf(cls, conf: Mapping[str, str], key: Key[str], *, insecure: bool,
                  serves: str) -> TokenGuard:
        """The guard for `key`'s token file; `serves` names what it guards, for the log."""
        path = key.read(conf)
        if path:
            return cls(key.name, read_token_file(Path(path), key.name))
        if not insecure:
            raise ConfigurationError(
                f"{key.name} is not set, so {serves} would accept writes from anyone who can "
                f"reach it: set it to a file holding a random secret (`openssl rand -hex 32 > F"
                f" && chmod 600 F`), or start with {INSECURE_FLAG} to run without one")
        LOG.warning("%s: %s is not set and %s was given: requests are accepted without a token",
                    serves, key.name, INSECURE_FLAG)
        return cls(key.name, None)

    def __call__(self, request: Request) -> Response | None:
        """The refusal for `request`, or None to let it through."""
        if self.token is None:
            return None
        header = request.headers.get("authorization", "")
        if not header:
            return error_response(
                401, f"missing 'Authorization: Bearer <token>'; the token is in the file "
                     f"{self.key} names")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                                 self.token.encode()):
            LOG.warning("refused %s %s: bad token", request.method, request.path)
            return error_response(
                403, f"bad token; check that {self.key} on the caller's host names a file "
                     f"with the same secret as the server's")
        return None
