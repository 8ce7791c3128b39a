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
