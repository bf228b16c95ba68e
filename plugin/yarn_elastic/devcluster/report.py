"""Plain-text tables of nodes and container placements, as the demo prints them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from yarn_elastic.devcluster.placement import ContainerPlacement
from yarn_elastic.devcluster.rm_rest import NodeReport


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in (header, *rows)]
    return "\n".join(lines)


def nodes_table(nodes: Sequence[NodeReport], name_of: Callable[[str], str]) -> str:
    rows = [
        (name_of(n.node_id), n.node_id, n.state, f"{n.memory_mb} MB", str(n.vcores))
        for n in sorted(nodes, key=lambda n: name_of(n.node_id))
    ]
    return _table(("node", "node id", "state", "memory", "vcores"), rows)


def placements_table(
    placements: Sequence[ContainerPlacement],
    app_names: dict[str, str],
    name_of: Callable[[str], str],
    score_of: Callable[[ContainerPlacement], str] = lambda _p: "-",
) -> str:
    """One row per container. `score_of` gives the DRR score the core left the node with when
    it chose it for the container's application ("-" under the stock scheduler)."""
    rows = [
        (
            app_names.get(p.app_id, p.app_id),
            p.container_id,
            "AM" if p.is_am else ("worker" if p.ran else "released"),
            f"{name_of(p.node_id)} ({p.node_id})",
            f"{p.memory_mb} MB",
            str(p.vcores),
            score_of(p),
        )
        for p in placements
    ]
    return _table(("app", "container", "role", "node", "memory", "vcores", "DRR score"), rows)
