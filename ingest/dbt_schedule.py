"""Which of the dbt nodes ready to run starts first: the one with the longest chain of nodes after it.

dbt hands out every ready node at once, ordered by depth from the DAG's roots (ties in name order),
to its thread pool, which runs them first come, first served. In a nightly build that left
`trial_records`, which `trials`, the provenance, the snapshot and the history wait for, queued
behind `arms`, `criteria`, `interventions`, `outcomes`, `sites`, `trial_contacts` and `trial_links`
(same depth, earlier names), and its tests behind all of those: the build ended on that chain with
the other threads idle. Longest-chain-first, choosing when a thread is free, is the classic
list-scheduling order for a DAG on a few workers; dbt has no setting for it, so
`longest_chain_first(threads)` gives dbt's queue these scores and makes it hand out a node only
when one of the threads is free, for one invocation. In `dbt build` the chain counts tests too: a
model's tests gate the models after it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

log = logging.getLogger(__name__)


def chain_scores(graph: nx.DiGraph) -> dict[str, int]:
    """Minus the number of nodes on the longest path from each node to the end (lower runs first)."""
    import networkx as nx

    longest: dict[str, int] = {}
    for node in reversed(list(nx.topological_sort(graph))):
        longest[node] = 1 + max((longest[child] for child in graph.successors(node)), default=0)
    return {node: -length for node, length in longest.items()}


@contextmanager
def longest_chain_first(threads: int) -> Iterator[None]:
    """dbt invocations inside the block, on `threads` threads, start the ready node with the longest
    chain after it (then in name order) whenever a thread is free."""
    from dbt.graph.queue import GraphQueue

    if not (hasattr(GraphQueue, "_get_scores") and hasattr(GraphQueue, "get")):
        log.warning("dbt-core's GraphQueue has changed: nodes start in dbt's own order")  # only slower
        yield
        return
    original_scores, original_get = GraphQueue._get_scores, GraphQueue.get

    def scores(self: GraphQueue, graph: nx.DiGraph) -> dict[str, int]:
        return chain_scores(graph)

    def get(self: GraphQueue, block: bool = True, timeout: float | None = None):
        # a node handed out waits in the pool's first-come queue: hand one out when a thread is free
        done = getattr(self, "some_task_done", None)
        if done is not None:
            with done:
                while len(self.in_progress) >= threads:
                    done.wait()
        return original_get(self, block=block, timeout=timeout)

    GraphQueue._get_scores, GraphQueue.get = scores, get
    try:
        yield
    finally:
        GraphQueue._get_scores, GraphQueue.get = original_scores, original_get
