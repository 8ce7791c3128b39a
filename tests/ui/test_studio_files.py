"""Exported agents carry the list of models they use; opening one says which are missing here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.studio.graph import Graph
from app.ui.pages.studio import StudioPage
from app.ui.studio.drafts import starter_graph


@pytest.fixture
def page(studio_page: StudioPage) -> StudioPage:
    return studio_page


def test_export_lists_models_and_import_names_the_missing_one(page, tmp_path: Path, qtbot) -> None:
    model = tmp_path / "classifier.onnx"
    model.write_bytes(b"the model's bytes: only hashed here")  # real inference is tested in tests/unit
    graph = Graph.model_validate(
        {
            "name": "Classifier",
            "nodes": [
                {"id": "x", "type": "input", "config": {"name": "x", "type": "tensor"}},
                {"id": "m", "type": "onnx_model", "config": {"path": str(model)}},
            ],
            "edges": [
                {"id": "e", "source": "x", "source_port": "value", "target": "m", "target_port": "input"}
            ],
        }
    )
    page.editor.load(graph, None)
    page.export_path(tmp_path / "classifier")
    exported = tmp_path / "classifier.sahara-agent"
    qtbot.waitUntil(exported.exists, timeout=10000)
    (entry,) = json.loads(exported.read_text())["models"]
    assert entry["ref"] == str(model) and len(entry["sha256"]) == 64
    # on a machine without the model: the agent opens, and the page says what is missing
    model.unlink()
    page.start_agent(starter_graph())
    page.open_path(exported)
    qtbot.waitUntil(lambda: page.message.isVisibleTo(page), timeout=10000)
    assert page.editor.model.graph.name == "Classifier"
    assert page.message.text() == (
        f"This agent uses 1 model not available here: {model}: model file not found: {model}"
    )
    qtbot.waitUntil(lambda: "m" in page.editor.issues)
    assert page.editor.issues["m"] == [f"model file not found: {model}"]


def _subgraphs(levels: int) -> str:
    text = '{"schema_version": 1, "nodes": []}'
    for _ in range(levels):
        node = f'{{"id": "s", "type": "subgraph", "config": {{"graph": {text}}}}}'
        text = f'{{"schema_version": 1, "nodes": [{node}]}}'
    return text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 200_000 + "]" * 200_000, "nested too deeply for an agent graph"),
        (_subgraphs(300), "nested too deeply for an agent graph"),
        (_subgraphs(40), "subgraphs nest 40 levels deep: at most 15 are allowed"),
    ],
    ids=["deep-json", "300-subgraphs", "40-subgraphs"],
)
def test_opening_a_deeply_nested_file_says_why_and_keeps_the_draft(
    page, tmp_path: Path, qtbot, text: str, reason: str
) -> None:
    """Issue 12 items 1 and 8: the studio's Open of a hostile file is a message, not a crash."""
    before = page.editor.model.graph
    hostile = tmp_path / "deep.sahara-agent"
    hostile.write_text(text)
    page.open_path(hostile)
    qtbot.waitUntil(lambda: page.message.isVisibleTo(page), timeout=10000)
    assert page.message.text().startswith("Could not open the agent.") and reason in page.message.text()
    assert page.editor.model.graph == before
