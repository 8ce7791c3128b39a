"""The small nodes run through the executor: template sandbox, router, JMESPath, safe expressions."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.studio.executor import Executor
from app.studio.expr import Expression, ExpressionError
from app.studio.graph import SCHEMA_VERSION, Graph


def one_node(node_type: str, config: dict, wires: dict[str, tuple[str, Any]]) -> Graph:
    """One node of ``node_type`` whose inputs come from Input nodes holding the given values."""
    nodes = [{"id": "n", "type": node_type, "config": config}]
    edges = []
    for port, (kind, value) in wires.items():
        nodes.append(
            {"id": f"in_{port}", "type": "input", "config": {"name": port, "type": kind, "default": value}}
        )
        edges.append(
            {
                "id": f"e_{port}",
                "source": f"in_{port}",
                "source_port": "value",
                "target": "n",
                "target_port": port,
            }
        )
    return Graph.model_validate({"schema_version": SCHEMA_VERSION, "nodes": nodes, "edges": edges})


def outputs_of(graph: Graph) -> tuple[dict[str, Any] | None, str | None]:
    result = asyncio.run(Executor().run(graph))
    node = next(t for t in result.traces if t.node_id == "n")
    return (node.outputs if node.status == "ok" else None), node.error


def test_prompt_template_fills_variables_from_inputs() -> None:
    g = one_node(
        "prompt_template",
        {"template": "Q: {{ q }} ({{ n * 2 }})"},
        {"q": ("text", "why?"), "n": ("number", 21)},
    )
    assert outputs_of(g) == ({"text": "Q: why? (42)"}, None)


@pytest.mark.parametrize(
    "template",
    [
        "{{ q.__class__.__mro__[1].__subclasses__() }}",
        "{{ q.format.__globals__ }}",
        "{{ q }}{% for x in range(10**9) %}{% endfor %}",
    ],
)
def test_prompt_template_is_sandboxed(template: str) -> None:
    outputs, error = outputs_of(one_node("prompt_template", {"template": template}, {"q": ("text", "x")}))
    assert outputs is None and error is not None and error.startswith("template:")


def test_router_sends_the_value_down_the_first_true_route_only() -> None:
    config = {"routes": [{"name": "small", "when": "value < 10"}, {"name": "even", "when": "value % 2 == 0"}]}
    assert outputs_of(one_node("router", config, {"value": ("number", 4)}))[0] == {"small": 4}
    assert outputs_of(one_node("router", config, {"value": ("number", 12)}))[0] == {"even": 12}
    assert outputs_of(one_node("router", config, {"value": ("number", 13)}))[0] == {"default": 13}
    bad = {"routes": [{"name": "a", "when": "value['missing'] == 1"}]}
    assert "KeyError" in outputs_of(one_node("router", bad, {"value": ("json", {"x": 1})}))[1]


def test_json_transform_runs_jmespath() -> None:
    data = {"items": [{"name": "a", "score": 0.9}, {"name": "b", "score": 0.2}]}
    g = one_node("json_transform", {"expression": "items[?score > `0.5`].name"}, {"data": ("json", data)})
    assert outputs_of(g) == ({"result": ["a"]}, None)


def test_note_nodes_are_not_run() -> None:
    g = Graph.model_validate({"schema_version": SCHEMA_VERSION, "nodes": [{"id": "n", "type": "note"}]})
    result = asyncio.run(Executor().run(g))
    assert result.status == "ok" and result.traces == []


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("value['label'] == 'cat' and len(value['tags']) > 1", True),
        ("lower(value['label']) in ['dog', 'cat']", True),
        ("value['score'] * 2 if value['score'] > 0.5 else -1", 1.8),
        ("not value['tags'] or max(1, 2) == 2", True),
        ("[1, 2][0] + {'a': 3}['a']", 4),
        ("startswith(value['label'], 'c') and null == None and true", True),
    ],
)
def test_expressions_evaluate(source: str, value: Any) -> None:
    env = {"value": {"label": "cat", "tags": ["x", "y"], "score": 0.9}}
    assert Expression(source).evaluate(env) == value


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("value.__class__", "Attribute is not allowed"),
        ("__import__('os').system('true')", "only these functions"),
        ("(lambda: 1)()", "only these functions"),
        ("[x for x in value]", "ListComp is not allowed"),
        ("2 ** 100000000", "Pow is not allowed"),
        ("'a' * 1000000", "result longer than"),
        ("{**value}", "** is not allowed"),
        ("len(*value)", "Starred is not allowed"),
        ("undefined_name", "unknown name"),
        ("1 +", "syntax error"),
    ],
)
def test_unsafe_or_broken_expressions_are_refused(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message.replace("*", r"\*").replace("(", r"\(")):
        Expression(source).evaluate({"value": {}})
