"""A new LLM chat node works out of the box: it asks the bundled demo model, which the studio starts
for the run, says plainly what that model is, and offers a local Ollama / llama.cpp server it finds."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from local_http import answering
from PySide6.QtCore import QPointF

from app.llm import local
from app.studio.graph import Edge, Graph, Node, Position
from app.ui.pages.studio import StudioPage


@pytest.fixture
def page(studio_page: StudioPage) -> Iterator[StudioPage]:
    yield studio_page
    local.stop_bundled()


def test_a_new_chat_node_points_at_the_bundled_model_and_says_what_it_is(page, qtbot) -> None:
    editor = page.editor
    node_id = editor.add_node("llm_chat", QPointF(0, 0))
    assert editor.model.node(node_id).config["base_url"] == local.BUNDLED_URL
    note = editor.inspector.llm_note
    assert note.isVisibleTo(editor.inspector)
    assert "tiny model that runs offline" in note.text.text() and "not meant to be useful" in note.text.text()
    editor.add_node("note", QPointF(300, 0))
    assert not note.isVisibleTo(editor.inspector), "only chat nodes get the note"


def test_a_local_server_found_on_loopback_is_offered_in_one_undoable_click(page, qtbot, monkeypatch) -> None:
    editor = page.editor
    models = json.dumps({"data": [{"id": "llama3.2"}]}).encode()
    with answering(models) as port:
        monkeypatch.setattr(local, "KNOWN_PORTS", {port: "Ollama"})
        node_id = editor.add_node("llm_chat", QPointF(0, 0))
        note = editor.inspector.llm_note
        qtbot.waitUntil(lambda: bool(note.buttons), timeout=5000)
    (button,) = note.buttons
    assert button.text() == "Use Ollama (llama3.2)"
    button.click()
    config = editor.model.node(node_id).config
    assert (config["base_url"], config["model"]) == (f"http://127.0.0.1:{port}/v1", "llama3.2")
    assert "does not start it" in note.text.text()
    editor.undo.undo()
    assert editor.model.node(node_id).config["base_url"] == local.BUNDLED_URL


def test_a_run_starts_the_bundled_model_and_gets_its_answer(page, qtbot) -> None:
    graph = Graph(
        name="Ask the demo",
        nodes=[
            Node(
                id="q",
                type="input",
                position=Position(x=0, y=0),
                config={"name": "question", "default": "hi"},
            ),
            Node(id="llm", type="llm_chat", position=Position(x=250, y=0), config={"max_tokens": 8}),
            Node(id="a", type="output", position=Position(x=500, y=0), config={"name": "answer"}),
        ],
        edges=[
            Edge(id="e1", source="q", source_port="value", target="llm", target_port="prompt"),
            Edge(id="e2", source="llm", source_port="text", target="a", target_port="value"),
        ],
    )
    page.start_agent(graph)
    editor = page.editor
    editor.run_graph()
    qtbot.waitUntil(lambda: editor.scene.nodes["llm"].status in ("ok", "error"), timeout=60000)
    assert editor.scene.nodes["llm"].status == "ok", editor.scene.nodes["llm"].issues
    assert editor.local_models.bundled_ready
    assert local.list_models(local.BUNDLED_URL)
