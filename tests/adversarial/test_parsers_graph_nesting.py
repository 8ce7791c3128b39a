"""Issue 12 item 8: a deeply nested graph file or hundreds of nested subgraphs end in a message.

``sahara agent run`` and the studio's Open (``read_agent``) must say in words that the file nests
too deeply; the CLI runs in a child with the recursion limit a library raises it to, so neither a
traceback nor a crash can hide.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from parsers_child import nested, run_child, survived

from app.studio.document import GraphFileError, read_agent
from app.studio.graph import MAX_DEPTH, SCHEMA_VERSION

LEAF = {
    "schema_version": SCHEMA_VERSION,
    "nodes": [
        {"id": "i", "type": "input", "config": {"name": "x"}},
        {"id": "o", "type": "output", "config": {"name": "y"}},
    ],
    "edges": [{"id": "e", "source": "i", "source_port": "value", "target": "o", "target_port": "value"}],
}


def nested_subgraphs(levels: int) -> str:
    """A graph whose subgraph holds a subgraph ... ``levels`` deep, written as text (no recursion)."""
    edges = [
        {"id": "e1", "source": "i", "source_port": "value", "target": "s", "target_port": "x"},
        {"id": "e2", "source": "s", "source_port": "y", "target": "o", "target_port": "value"},
    ]
    outer = {**LEAF, "nodes": [LEAF["nodes"][0], "INNER", LEAF["nodes"][1]], "edges": edges}
    before, after = json.dumps(outer).split('"INNER"')
    text = json.dumps(LEAF)
    for _ in range(levels):
        text = f'{before}{{"id": "s", "type": "subgraph", "config": {{"graph": {text}}}}}{after}'
    return text


def agent_run(path: Path, code: int = 1) -> str:
    argv = ["agent", "run", "--no-history", "--input", '{"x": "a"}', str(path)]
    return survived(run_child(f"from app.cli import main; sys.exit(main({argv!r}))"), code=code)


@pytest.mark.parametrize("levels", [MAX_DEPTH, 40, 300])
def test_too_many_nested_subgraphs_are_refused_in_words(tmp_path: Path, home: Path, levels: int) -> None:
    path = tmp_path / "nested.sahara-agent"
    path.write_text(nested_subgraphs(levels))
    expected = "nested too deeply" if levels == 300 else f"subgraphs nest {levels} levels deep: at most"
    assert expected in agent_run(path)
    with pytest.raises(GraphFileError, match=expected):  # what the studio's Open reads the file with
        read_agent(path)


def test_the_deepest_allowed_nesting_still_runs(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "ok.sahara-agent"
    path.write_text(nested_subgraphs(MAX_DEPTH - 1))
    assert json.loads(agent_run(path, code=0)) == {"y": "a"}


def test_a_deeply_nested_value_in_a_graph_file_is_refused(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "deep-config.sahara-agent"
    node = '{"id": "n", "type": "note", "config": {"text": ' + nested(100_000) + "}}"
    path.write_text(f'{{"schema_version": {SCHEMA_VERSION}, "nodes": [{node}], "edges": []}}')
    assert "nested too deeply for an agent graph (JSON nested 100004 levels deep" in agent_run(path)
    with pytest.raises(GraphFileError, match="nested too deeply"):
        read_agent(path)
