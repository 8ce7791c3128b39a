"""The issue's "done when": the digit router built on the canvas without code, run in the playground
with a real digit (the shipped digits and ONNX model), its route and trace read off the canvas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit
from studio_fakes import chat_server

from app.labeling.digits import digit_png, load_digits
from app.resources import REPO_ROOT
from app.ui.pages.studio import StudioPage
from app.ui.studio.drafts import starter_graph
from app.ui.studio.list_editors import ShapeEditor, StringListEditor

EXAMPLE = REPO_ROOT / "examples" / "agents" / "digit_router.sahara-agent"


@pytest.fixture
def page(studio_page) -> StudioPage:
    studio_page.resize(1400, 900)  # room for the palette, the canvas and the run's trace
    return studio_page


def digit_file(tmp_path: Path, label: int) -> Path:
    images, labels = load_digits()
    path = tmp_path / f"digit-{label}.png"
    path.write_bytes(digit_png(images[list(labels).index(label)]))
    return path


def edit(editor, node_id: str, **values: object) -> None:
    """Change settings the way a user does: select the node, type into the inspector's fields."""
    editor.scene.clearSelection()
    editor.scene.nodes[node_id].setSelected(True)
    inspector = editor.inspector
    assert inspector.node_id == node_id
    for key, value in values.items():
        widget, _read = inspector.fields[key]
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(widget.findData(value))
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(str(value))
        elif isinstance(widget, StringListEditor):
            for text in value:
                widget.add_entry()
                widget.list.item(widget.list.count() - 1).setText(text)
        elif isinstance(widget, ShapeEditor):
            widget.enabled.setChecked(True)
            while len(widget.boxes) < len(value):
                widget.add_button.click()
            for box, size in zip(widget.boxes, value, strict=True):
                box.setValue(size)
                box.editingFinished.emit()
        else:
            assert isinstance(widget, QLineEdit)
            widget.setText(value if isinstance(value, str) else json.dumps(value))
        inspector.apply()
    assert not inspector.error.isVisibleTo(inspector), inspector.error.text()


def wire(editor, source: str, output: str, target: str, input_: str, join: bool = False) -> None:
    nodes = editor.scene.nodes
    editor.scene.start_wire(nodes[source].outputs[output])
    assert editor.scene.drag_wire_to(nodes[target].inputs[input_].scene_anchor()) is None
    editor.scene.finish_wire(join=join)


def run_with_digit(editor, qtbot, png: Path) -> None:
    qtbot.waitUntil(lambda: "image" in editor.playground.inputs)
    _kind, field = editor.playground.inputs["image"]
    field.load_file(png)
    editor.run_graph()
    run = editor.runner.run
    assert run is not None, editor.playground.status.text()
    qtbot.waitUntil(lambda: run.done, timeout=10_000)
    qtbot.waitUntil(lambda: editor.playground.run_button.isEnabled())
    assert editor.playground.status.text() == "Finished"


def trace_rows(editor) -> dict[str, str]:
    tree = editor.playground.trace
    return {
        tree.topLevelItem(i).text(0): tree.topLevelItem(i).text(1) for i in range(tree.topLevelItemCount())
    }


def test_built_on_the_canvas_without_code(page, tmp_path: Path, qtbot) -> None:
    editor = page.editor
    page.start_agent(starter_graph())
    for node_id in ("input1", "prompt1", "output1"):  # start from an empty canvas
        editor.scene.nodes[node_id].setSelected(True)
    editor.delete_action.trigger()
    add = editor.add_node
    image = add("input", QPointF(0, 100))
    onnx = add("onnx_model", QPointF(250, 100))
    router = add("router", QPointF(500, 100))
    even = add("prompt_template", QPointF(750, 0))
    odd = add("prompt_template", QPointF(750, 200))
    llm = add("llm_chat", QPointF(1000, 100))
    answer = add("output", QPointF(1250, 100))
    with chat_server() as (base_url, requests):
        edit(editor, image, name="image", type="image")
        edit(editor, onnx, path="resource:models/digits.onnx", shape=[1, 1, 8, 8], labels=list("0123456789"))
        edit(editor, router, routes=[{"name": "even", "when": "value % 2 == 0"}])
        edit(editor, even, template="Say something about the even digit {{ digit }}.")
        edit(editor, odd, template="Say something about the odd digit {{ digit }}.")
        edit(editor, llm, base_url=base_url)
        edit(editor, answer, name="answer")
        wire(editor, image, "value", onnx, "input")
        wire(editor, onnx, "class_index", router, "value")
        wire(editor, router, "even", even, "digit")
        wire(editor, router, "default", odd, "digit")
        wire(editor, even, "text", llm, "prompt")
        wire(editor, odd, "text", llm, "prompt", join=True)  # Shift: both branches feed the prompt
        wire(editor, llm, "text", answer, "value")
        editor.revalidate()
        assert editor.issues == {}
        run_with_digit(editor, qtbot, digit_file(tmp_path, 7))
        assert requests[-1]["messages"][-1]["content"] == "Say something about the odd digit 7."
        assert editor.scene.nodes[odd].status == "ok" and editor.scene.nodes[even].status == "skipped"
        assert editor.playground.output.toPlainText().startswith(
            "You said: Say something about the odd digit 7."
        )
        assert trace_rows(editor)[even] == "skipped"
        # the other branch, same canvas
        run_with_digit(editor, qtbot, digit_file(tmp_path, 4))
        assert requests[-1]["messages"][-1]["content"] == "Say something about the even digit 4."
        assert editor.scene.nodes[even].status == "ok" and editor.scene.nodes[odd].status == "skipped"


def test_the_shipped_example_runs_in_the_playground(page, tmp_path: Path, qtbot) -> None:
    editor = page.editor
    page.open_path(EXAMPLE)
    qtbot.waitUntil(lambda: editor.model.graph.name == "Digit router", timeout=10000)
    assert not page.message.isVisibleTo(page), page.message.text()  # its model is here, as exported
    with chat_server() as (base_url, requests):
        edit(editor, "llm", base_url=base_url)  # point it at this test's server instead of :8011
        run_with_digit(editor, qtbot, digit_file(tmp_path, 2))
        output = editor.playground.output.toPlainText()
        assert "answer:\nYou said: The picture shows a handwritten even digit: 2." in output
        assert "digit:\n2" in output
        assert "even digit: 2" in requests[0]["messages"][-1]["content"]
        rows = trace_rows(editor)
        assert rows["classify"] == "ok" and rows["even_prompt"] == "ok" and rows["odd_prompt"] == "skipped"
        assert editor.scene.nodes["llm"].status == "ok"
