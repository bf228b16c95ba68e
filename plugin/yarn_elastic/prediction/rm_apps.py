"""Application reports from the ResourceManager's REST API, for the catch-up (an edge).

`GET http://<webapp address>/ws/v1/cluster/apps/{id}`, at the address the RM's own
yarn-site.xml gives: `yarn.resourcemanager.webapp.address`, by default the RM host's port
8088; with HA, each RM id's own address, asked in turn (a standby redirects to the active
RM, or does not answer). The RM keeps the reports of its last
`yarn.resourcemanager.max-completed-applications` (1000) finished applications.

Nothing here raises for a bad answer: a catch-up that cannot learn now learns at its next
look, and the core's cycle never waits on it (it runs on a thread of its own).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from yarn_elastic.prediction.catchup import RmReport

DEFAULT_WEBAPP_PORT = 8088
TIMEOUT_S = 5.0


class Miss(enum.Enum):
    UNKNOWN = "the RM does not know the application"  # 404: forgotten, or another RM's
    UNREACHABLE = "no RM answered"  # down, refused, timed out, 5xx
    MALFORMED = "the RM's answer is not an application report"


def rm_web_addresses(conf: Mapping[str, str]) -> list[str]:
    """Base URLs of the RM's web services, the way YARN's own clients find them."""
    ids = [i.strip() for i in conf.get("yarn.resourcemanager.ha.rm-ids", "").split(",")
           if i.strip()]
    ha = conf.get("yarn.resourcemanager.ha.enabled", "false").strip().lower() == "true"
    suffixes = [f".{rm_id}" for rm_id in ids] if ha and ids else [""]
    addresses = []
    for suffix in suffixes:
        address = conf.get(f"yarn.resourcemanager.webapp.address{suffix}", "").strip()
        if not address:
            host = conf.get(f"yarn.resourcemanager.hostname{suffix}", "").strip() or "0.0.0.0"
            address = f"{host}:{DEFAULT_WEBAPP_PORT}"
        addresses.append(f"http://{address}")
    return addresses


def parse_report(app_id: str, payload: Any) -> RmReport | None:
    """The report in `{"app": {...}}`, or None if a field a run needs is missing or mistyped."""
    app = payload.get("app") if isinstance(payload, dict) else None
    if not isinstance(app, dict) or app.get("id", app_id) != app_id:
        return None
    text = {k: app.get(k) for k in ("state", "name", "applicationType", "queue", "user")}
    if not all(isinstance(v, str) for v in text.values()):
        return None
    tags = app.get("applicationTags") or ""
    numbers = {k: app.get(k, 0) for k in ("startedTime", "finishedTime", "priority")}
    if not isinstance(tags, str) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in numbers.values()):
        return None
    final_status = app.get("finalStatus")
    return RmReport(
        app_id, str(text["state"]), final_status if isinstance(final_status, str) else "",
        str(text["name"]), str(text["applicationType"]), str(text["queue"]), str(text["user"]),
        tuple(t for t in tags.split(",") if t.strip()), int(numbers["priority"]),
        int(numbers["startedTime"]), int(numbers["finishedTime"]),
    )


class RmApps:
    """Asks each RM address in turn, the one that last answered first."""

    def __init__(self, addresses: Sequence[str], timeout_s: float = TIMEOUT_S) -> None:
        if not addresses:
            raise ValueError("no ResourceManager web address")
        self.addresses = [a.rstrip("/") for a in addresses]
        self.timeout_s = timeout_s
        self._session = requests.Session()
        self.last_problem = ""  # what the last miss was, for the caller's log line

    def report(self, app_id: str) -> RmReport | Miss:
        answers: list[Miss] = []
        for address in list(self.addresses):
            answer = self._ask(address, app_id)
            if isinstance(answer, RmReport):
                self.addresses.remove(address)
                self.addresses.insert(0, address)
                return answer
            answers.append(answer)
        # One RM that names it unknown outweighs a standby that did not answer.
        for miss in (Miss.MALFORMED, Miss.UNKNOWN):
            if miss in answers:
                return miss
        return Miss.UNREACHABLE

    def _ask(self, address: str, app_id: str) -> RmReport | Miss:
        url = f"{address}/ws/v1/cluster/apps/{app_id}"
        try:
            response = self._session.get(url, timeout=self.timeout_s,
                                         headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            self.last_problem = f"{url}: {exc}"
            return Miss.UNREACHABLE
        if response.status_code in (400, 404):
            self.last_problem = f"{url}: HTTP {response.status_code}"
            return Miss.UNKNOWN
        if response.status_code != 200:
            self.last_problem = f"{url}: HTTP {response.status_code}"
            return Miss.UNREACHABLE
        try:
            report = parse_report(app_id, response.json())
        except ValueError as exc:  # not JSON at all
            self.last_problem = f"{url}: not JSON ({exc})"
            return Miss.MALFORMED
        if report is None:
            self.last_problem = f"{url}: not an application report"
            return Miss.MALFORMED
        return report
