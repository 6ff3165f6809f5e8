"""Which ready dbt node starts first: the one with the longest chain of nodes after it."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
from dbt.graph.queue import GraphQueue

from ingest.dbt_schedule import chain_scores, longest_chain_first


def test_a_node_scores_minus_the_length_of_its_longest_chain():
    graph = nx.DiGraph([("records", "records_test"), ("records_test", "trials"), ("trials", "history")])
    graph.add_edges_from([("links", "arms"), ("links", "records"), ("arms", "arms_test")])
    assert chain_scores(graph) == {
        "links": -5,
        "records": -4,
        "records_test": -3,
        "trials": -2,
        "history": -1,
        "arms": -2,
        "arms_test": -1,
    }


def test_the_scores_apply_inside_the_block_only():
    original = (GraphQueue._get_scores, GraphQueue.get)
    with longest_chain_first(threads=3):
        assert (GraphQueue._get_scores, GraphQueue.get) != original
        graph = nx.DiGraph([("model.a", "model.b")])
        assert GraphQueue._get_scores(None, graph) == {"model.a": -2, "model.b": -1}
    assert (GraphQueue._get_scores, GraphQueue.get) == original


def test_the_build_starts_trial_records_before_the_lists_of_the_same_depth(cli_warehouse: Path):
    """One thread (a first build) runs nodes in the order the queue gives them: dbt's own order put
    `trial_records` after every list mart whose name sorts before it, and `trials` after them all
    and their tests."""
    target = cli_warehouse / "build" / "dbt_target"
    order = [r["unique_id"] for r in json.loads((target / "run_results.json").read_text())["results"]]
    records = order.index("model.trialwh.trial_records")
    lists = ("arms", "criteria", "interventions", "outcomes", "sites", "trial_contacts", "trial_links")
    assert all(records < order.index(f"model.trialwh.{name}") for name in lists)
    # and the chain after it goes on before them too
    assert records < order.index("model.trialwh.trials") < order.index("model.trialwh.arms")
