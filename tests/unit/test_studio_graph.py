"""The graph document: versions and migrations, files, and validation messages on the right node."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.studio import document, registry
from app.studio.document import GraphFileError, load_graph, parse_graph, save_graph
from app.studio.graph import SCHEMA_VERSION, Graph
from app.studio.ports import PortType, compatible
from app.studio.validate import validate


def doc(nodes: list[dict], edges: list[tuple[str, str, str, str]] = (), **extra) -> dict:  # type: ignore[assignment]
    return {
        "schema_version": SCHEMA_VERSION,
        "name": "test",
        "nodes": nodes,
        "edges": [
            {"id": f"e{i}", "source": s, "source_port": sp, "target": t, "target_port": tp}
            for i, (s, sp, t, tp) in enumerate(edges)
        ],
        **extra,
    }


def issues_by_code(graph: dict) -> dict[str, list]:
    found: dict[str, list] = {}
    for issue in validate(parse_graph(graph)):
        found.setdefault(issue.code, []).append(issue)
    return found


TEMPLATE = {"id": "t", "type": "prompt_template", "config": {"template": "Hi {{ name }}"}}
NUMBER_IN = {"id": "n", "type": "input", "config": {"name": "n", "type": "number"}}
TEXT_IN = {"id": "q", "type": "input", "config": {"name": "q", "type": "text"}}
OUT = {"id": "o", "type": "output", "config": {"name": "answer"}}


def test_a_full_document_round_trips_through_a_file(tmp_path: Path) -> None:
    raw = doc(
        [
            {**TEXT_IN, "position": {"x": 10, "y": 20}, "title": "Question"},
            TEMPLATE,
            OUT,
            {"id": "note", "type": "note", "config": {"text": "explains the graph"}},
        ],
        [("q", "value", "t", "name"), ("t", "text", "o", "value")],
        groups=[{"id": "g", "title": "Greeting", "node_ids": ["q", "t"], "color": "#aa0000"}],
    )
    graph = parse_graph(raw)
    path = tmp_path / "greeting.sahara-agent"
    save_graph(path, graph)
    assert load_graph(path) == graph
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION
    assert graph.node("q").position.x == 10
    assert validate(graph) == []


def test_migrations_upgrade_old_documents_step_by_step(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend the current version is 3 and versions 1 and 2 named nodes' settings "params".
    monkeypatch.setattr(document, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(document, "UPGRADES", {})

    @document.upgrade(1)
    def rename_params(raw: dict) -> dict:
        for node in raw["nodes"]:
            node["config"] = node.pop("params", {})
        return raw

    @document.upgrade(2)
    def add_description(raw: dict) -> dict:
        return {**raw, "description": "upgraded"}

    old = {"schema_version": 1, "nodes": [{"id": "t", "type": "note", "params": {"text": "x"}}]}
    upgraded = document.migrate(old)
    assert upgraded["schema_version"] == 3
    assert upgraded["nodes"][0]["config"] == {"text": "x"}
    assert upgraded["description"] == "upgraded"
    with pytest.raises(ValueError, match="two upgrades"):
        document.upgrade(1)(rename_params)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON (line 1, column 2)"),
        ("[]", "top level must be a JSON object"),
        ('{"nodes": []}', "no integer schema_version"),
        ('{"schema_version": 99}', "made by a newer Sahara (schema version 99"),
        ('{"schema_version": 1, "nodes": [{"id": "a"}]}', "nodes.0.type: Field required"),
        ('{"schema_version": 1, "nodez": []}', "nodez: Extra inputs are not permitted"),
    ],
)
def test_bad_files_give_a_clear_error_and_stay_untouched(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.sahara-agent"
    path.write_text(content)
    with pytest.raises(GraphFileError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        load_graph(path)
    assert str(path) in str(caught.value)
    assert path.read_text() == content


def test_a_missing_file_is_a_graph_file_error(tmp_path: Path) -> None:
    with pytest.raises(GraphFileError, match="cannot read"):
        load_graph(tmp_path / "nope.sahara-agent")


def test_unknown_node_type_and_bad_settings_are_attached_to_their_nodes() -> None:
    found = issues_by_code(
        doc(
            [
                {"id": "x", "type": "teleport"},
                {
                    "id": "r",
                    "type": "router",
                    "config": {"routes": [{"name": "a", "when": "value.__class__"}]},
                },
                {"id": "j", "type": "json_transform", "config": {"expression": "[?"}},
                {"id": "i", "type": "input", "config": {"name": "bad name"}},
                {"id": "t", "type": "prompt_template", "config": {"template": "{% if %}"}},
            ]
        )
    )
    assert [(i.node_id, i.message) for i in found["unknown-type"]] == [("x", "unknown node type 'teleport'")]
    bad = {i.node_id: i.message for i in found["bad-config"]}
    assert "Attribute is not allowed" in bad["r"]
    assert bad["j"].startswith("JMESPath")
    assert bad["i"].startswith("setting 'name'")
    assert bad["t"].startswith("template line 1")


def test_type_mismatch_names_the_input_and_both_types() -> None:
    found = issues_by_code(
        doc(
            [TEXT_IN, {"id": "j", "type": "json_transform"}, {"id": "l", "type": "llm_chat"}],
            [("q", "value", "j", "data"), ("j", "result", "l", "prompt")],
        )
    )
    (mismatch,) = found["type-mismatch"]
    assert (mismatch.node_id, mismatch.port, mismatch.edge_id) == ("l", "prompt", "e1")
    assert mismatch.message == "input 'prompt' takes text, but j.result gives json"


def test_cycles_are_reported_on_the_nodes_in_them_only() -> None:
    a = {"id": "a", "type": "prompt_template", "config": {"template": "{{ x }}"}}
    b = {"id": "b", "type": "prompt_template", "config": {"template": "{{ x }}"}}
    after = {"id": "c", "type": "prompt_template", "config": {"template": "{{ x }}"}}
    found = issues_by_code(
        doc([a, b, after], [("a", "text", "b", "x"), ("b", "text", "a", "x"), ("b", "text", "c", "x")])
    )
    assert sorted(i.node_id for i in found["cycle"]) == ["a", "b"]
    assert "missing-input" not in found


def test_required_inputs_left_unwired_are_named() -> None:
    found = issues_by_code(doc([TEMPLATE, {"id": "l", "type": "llm_chat"}]))
    assert {(i.node_id, i.port) for i in found["missing-input"]} == {("t", "name"), ("l", "prompt")}
    # Optional inputs (the chat history) may stay unwired.
    assert all(i.port != "history" for i in found["missing-input"])


def test_bad_wires_and_duplicate_ids() -> None:
    found = issues_by_code(
        doc(
            [TEXT_IN, TEMPLATE, {**OUT, "id": "t"}],
            [("q", "value", "ghost", "x"), ("q", "nope", "t", "name"), ("q", "value", "t", "nope")],
            groups=[{"id": "g", "node_ids": ["q", "missing"]}],
        )
    )
    assert {i.message for i in found["bad-edge"]} == {
        "wire to a missing node 'ghost'",
        "no output 'nope'",
        "no input 'nope'",
    }
    assert found["duplicate-id"][0].node_id == "t"
    assert "missing" in found["bad-group"][0].message


def test_port_type_compatibility() -> None:
    assert compatible(PortType.TEXT, PortType.ANY) and compatible(PortType.ANY, PortType.NUMBER)
    assert compatible(PortType.NUMBER, PortType.JSON) and compatible(PortType.LIST, PortType.TENSOR)
    assert compatible(PortType.IMAGE, PortType.TENSOR)
    assert not compatible(PortType.JSON, PortType.TEXT)
    assert not compatible(PortType.TEXT, PortType.NUMBER)


def test_the_palette_lists_every_node_type_with_a_settings_schema() -> None:
    names = {t.type_name for t in registry.all_types()}
    assert {
        "input",
        "output",
        "prompt_template",
        "llm_chat",
        "onnx_model",
        "retriever",
        "router",
        "json_transform",
        "http_tool",
        "subgraph",
        "note",
    } <= names
    for node_type in registry.all_types():
        assert node_type.title and node_type.category
        assert node_type.Config.model_json_schema()["type"] == "object"


def test_subgraph_ports_come_from_its_inner_inputs_and_outputs() -> None:
    inner = doc([TEXT_IN, TEMPLATE, OUT], [("q", "value", "t", "name"), ("t", "text", "o", "value")])
    graph = parse_graph(doc([{"id": "s", "type": "subgraph", "config": {"graph": inner}}]))
    node_type = registry.get("subgraph")
    ports = node_type.ports(node_type.Config.model_validate(graph.nodes[0].config))
    assert [(p.name, p.type, p.required) for p in ports.inputs] == [("q", PortType.TEXT, True)]
    assert [p.name for p in ports.outputs] == ["answer"]
    broken = doc([TEMPLATE])
    found = issues_by_code(doc([{"id": "s", "type": "subgraph", "config": {"graph": broken}}]))
    assert found["bad-config"][0].message.startswith("inside: node t: required input 'name'")


def test_graph_hash_changes_with_content() -> None:
    a, b = Graph(name="a"), Graph(name="b")
    assert a.content_hash() != b.content_hash()
    assert a.content_hash() == Graph(name="a").content_hash()
