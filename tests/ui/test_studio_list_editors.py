"""The inspector edits class labels and input shapes with real editors, not JSON, and every edit is
one step on the undo stack."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.studio.templates import load_templates
from app.ui.pages.studio import StudioPage
from app.ui.studio.list_editors import ShapeEditor, StringListEditor


@pytest.fixture
def page(studio_page: StudioPage) -> StudioPage:
    router = next(t for t in load_templates() if t.key == "digit_router")
    studio_page.start_agent(router.graph)
    return studio_page


def _onnx(page: StudioPage) -> str:
    node = next(n for n in page.editor.model.graph.nodes if n.type == "onnx_model")
    page.editor.scene.clearSelection()
    page.editor.scene.nodes[node.id].setSelected(True)
    return node.id


def test_labels_are_a_list_to_edit_add_to_and_undo(page, qtbot) -> None:
    node_id = _onnx(page)
    editor = page.editor
    labels, _read = editor.inspector.fields["labels"]
    assert isinstance(labels, StringListEditor)
    before = list(editor.model.node(node_id).config["labels"])
    assert labels.value() == before and len(before) == 10
    labels.list.item(0).setText("zero")  # as an in-place edit commits it
    assert editor.model.node(node_id).config["labels"][0] == "zero"
    labels = editor.inspector.fields["labels"][0]
    labels.add_entry()
    assert editor.model.node(node_id).config["labels"][0] == "zero", "a blank new row is not a label yet"
    labels.list.item(labels.list.count() - 1).setText("ten")
    assert editor.model.node(node_id).config["labels"][-1] == "ten"
    labels.list.setCurrentRow(labels.list.count() - 1)
    labels.remove_selected()
    assert len(editor.model.node(node_id).config["labels"]) == 10
    for _ in range(3):
        editor.undo.undo()
    assert editor.model.node(node_id).config["labels"] == before
    assert editor.inspector.fields["labels"][0].value() == before, "the editor follows an undo"


def test_a_shape_is_a_row_of_dimensions(page, qtbot) -> None:
    node_id = _onnx(page)
    editor = page.editor
    shape = editor.inspector.fields["shape"][0]
    assert isinstance(shape, ShapeEditor)
    before = editor.model.node(node_id).config["shape"]
    assert shape.value() == before
    box = shape.boxes[-1]
    box.setValue(16)
    box.editingFinished.emit()
    assert editor.model.node(node_id).config["shape"][-1] == 16
    shape = editor.inspector.fields["shape"][0]
    qtbot.mouseClick(shape.add_button, Qt.MouseButton.LeftButton)
    assert len(editor.model.node(node_id).config["shape"]) == len(before) + 1
    shape = editor.inspector.fields["shape"][0]
    shape.enabled.setChecked(False)
    assert editor.model.node(node_id).config["shape"] is None
    for _ in range(3):
        editor.undo.undo()
    assert editor.model.node(node_id).config["shape"] == before
