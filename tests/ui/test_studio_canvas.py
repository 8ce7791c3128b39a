"""Studio canvas: palette, wiring, undo/redo, clipboard, validation on nodes, autosave."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from app.studio.document import load_graph
from app.ui.pages.studio import StudioPage
from app.ui.studio.scene import link_problem


@pytest.fixture
def page(studio_page: StudioPage) -> StudioPage:
    return studio_page


def test_opens_a_starter_agent_and_autosaves_it(page, paths, qtbot) -> None:
    editor = page.editor
    assert set(editor.scene.nodes) == {"input1", "prompt1", "output1"}
    assert len(editor.scene.edges) == 2
    drafts = paths.data / "studio" / "drafts"
    qtbot.waitUntil(lambda: editor.draft_path is not None and editor.draft_path.exists(), timeout=10000)
    assert editor.draft_path.parent == drafts
    assert load_graph(editor.draft_path).name == "Untitled agent"


def test_add_from_palette_then_undo_and_redo(page, qtbot) -> None:
    editor = page.editor
    palette = editor.palette
    qtbot.keyClicks(palette.filter, "chat")
    assert palette.visible_types() == ["llm_chat"]
    qtbot.keyClick(palette.filter, Qt.Key.Key_Return)
    added = [n for n in editor.model.graph.nodes if n.type == "llm_chat"]
    assert len(added) == 1 and added[0].id in editor.scene.nodes
    assert editor.inspector.node_id == added[0].id, "the new node is selected and inspected"
    editor.undo.undo()
    assert added[0].id not in editor.scene.nodes
    assert not [n for n in editor.model.graph.nodes if n.type == "llm_chat"]
    editor.undo.redo()
    assert added[0].id in editor.scene.nodes


def test_quick_add_with_tab_at_the_cursor(page, qtbot) -> None:
    editor = page.editor
    editor.view.setFocus()
    qtbot.keyClick(editor.view, Qt.Key.Key_Tab)
    assert editor.quick_add.isVisible()
    qtbot.keyClicks(editor.quick_add.palette_widget.filter, "router")
    qtbot.keyClick(editor.quick_add.palette_widget.filter, Qt.Key.Key_Return)
    assert not editor.quick_add.isVisible()
    assert any(n.type == "router" for n in editor.model.graph.nodes)


def _drag(editor, source, target) -> str | None:
    editor.scene.start_wire(source)
    problem = editor.scene.drag_wire_to(target.scene_anchor())
    editor.scene.finish_wire()
    return problem


def test_connect_valid_and_invalid_wires(page) -> None:
    editor = page.editor
    llm = editor.add_node("llm_chat", QPointF(300, 300))
    retriever = editor.add_node("retriever", QPointF(0, 300))
    nodes = editor.scene.nodes
    edges_before = len(editor.model.graph.edges)
    problem = _drag(editor, nodes[retriever].outputs["matches"], nodes[llm].inputs["prompt"])
    assert problem == "matches gives list, but prompt takes text"
    assert len(editor.model.graph.edges) == edges_before, "an incompatible wire is refused"
    assert _drag(editor, nodes["prompt1"].outputs["text"], nodes[llm].inputs["prompt"]) is None
    wire = editor.model.edge_into(llm, "prompt")
    assert wire is not None and (wire.source, wire.source_port) == ("prompt1", "text")
    assert wire.id in editor.scene.edges
    # dragging from the input end works too, and replaces the wire already there
    assert _drag(editor, nodes[llm].inputs["prompt"], nodes[retriever].outputs["context"]) is None
    assert editor.model.edge_into(llm, "prompt").source == retriever
    editor.undo.undo()
    assert editor.model.edge_into(llm, "prompt").source == "prompt1"
    editor.undo.undo()
    assert editor.model.edge_into(llm, "prompt") is None
    assert link_problem(nodes[llm].inputs["prompt"], nodes[llm].inputs["history"]) is not None


def test_move_delete_and_settings_are_undoable(page, qtbot) -> None:
    editor = page.editor
    item = editor.scene.nodes["prompt1"]
    old = (item.x(), item.y())
    editor.scene.nodes_moved.emit({"prompt1": (old, (old[0] + 50, old[1] + 10))})
    assert editor.model.node("prompt1").position.x == old[0] + 50
    assert item.x() == old[0] + 50
    editor.undo.undo()
    assert (item.x(), item.y()) == old
    # settings through the inspector: a new template variable becomes a new input port
    editor.scene.clearSelection()
    item.setSelected(True)
    widget, _read = editor.inspector.fields["template"]
    widget.setPlainText("{{ question }} in {{ language }}")
    editor.inspector.apply()
    assert set(editor.scene.nodes["prompt1"].inputs) == {"language", "question"}
    qtbot.waitUntil(lambda: "prompt1" in editor.issues)
    assert any("'language' is not wired" in m for m in editor.issues["prompt1"])
    editor.undo.undo()
    assert editor.model.node("prompt1").config["template"] == "Answer briefly: {{ question }}"
    assert widget is not editor.inspector.fields["template"][0], "the form follows the undo"
    # delete a node: its wires go too, and come back with undo
    editor.scene.clearSelection()
    editor.scene.nodes["prompt1"].setSelected(True)
    editor.delete_action.trigger()
    assert "prompt1" not in editor.scene.nodes and not editor.model.graph.edges
    editor.undo.undo()
    assert "prompt1" in editor.scene.nodes and len(editor.scene.edges) == 2


def test_inspector_refuses_a_bad_value(page) -> None:
    editor = page.editor
    editor.scene.nodes["input1"].setSelected(True)
    widget, _read = editor.inspector.fields["name"]
    widget.setText("not a name!")
    editor.inspector.apply()
    assert editor.inspector.error.isVisibleTo(editor.inspector)
    assert editor.model.node("input1").config["name"] == "question"
    assert editor.undo.count() == 0


def test_copy_paste_and_duplicate(page) -> None:
    editor = page.editor
    for node_id in ("input1", "prompt1"):
        editor.scene.nodes[node_id].setSelected(True)
    editor.copy_action.trigger()
    editor.paste_action.trigger()
    assert len(editor.model.graph.nodes) == 5
    assert len(editor.model.graph.edges) == 3, "the wire between copied nodes is copied too"
    pasted = editor.scene.selected_ids()[0]
    assert len(pasted) == 2 and not pasted & {"input1", "prompt1"}
    editor.duplicate_action.trigger()
    assert len(editor.model.graph.nodes) == 7
    editor.undo.undo()
    editor.undo.undo()
    assert len(editor.model.graph.nodes) == 3


def test_validation_issue_shows_on_the_node(page, qtbot) -> None:
    editor = page.editor
    qtbot.waitUntil(lambda: editor.playground.inputs != {})
    assert not editor.scene.nodes["output1"].issues
    edge = editor.model.edge_into("output1", "value")
    editor.scene.edges[edge.id].setSelected(True)
    editor.delete_action.trigger()
    item = editor.scene.nodes["output1"]
    qtbot.waitUntil(lambda: bool(item.issues))
    assert "required input 'value' is not wired" in item.toolTip()
    editor.undo.undo()
    qtbot.waitUntil(lambda: not item.issues)


def test_importing_a_bad_file_says_why_and_leaves_it_alone(page, tmp_path, qtbot) -> None:
    bad = tmp_path / "broken.sahara-agent"
    bad.write_text('{"schema_version": 1, "nodes": [{"id": 3}]}')
    before = bad.read_bytes()
    page.open_path(bad)
    qtbot.waitUntil(lambda: page.message.isVisibleTo(page), timeout=10000)
    assert "Could not open the agent" in page.message.text() and "nodes.0" in page.message.text()
    assert bad.read_bytes() == before
    assert "prompt1" in page.editor.scene.nodes, "the open agent stays"


def test_export_then_import_round_trip(page, tmp_path, qtbot) -> None:
    target = tmp_path / "mine"
    page.editor.model.rename("Round trip")
    page.export_path(target)
    exported = tmp_path / "mine.sahara-agent"
    qtbot.waitUntil(exported.exists, timeout=10000)
    assert json.loads(exported.read_text())["name"] == "Round trip"
    qtbot.waitUntil(lambda: not page.dirty(), timeout=10000)
    page.new_agent()  # saved: no question, the gallery opens
    page.gallery.card("Empty canvas").click()
    assert page.editor.model.graph.name == "Untitled agent" and not page.editor.model.graph.nodes
    page.open_path(exported)
    qtbot.waitUntil(lambda: page.editor.model.graph.name == "Round trip", timeout=10000)
    assert page.name.text() == "Round trip"
    assert page.editor.draft_path.name == "round-trip.json"


def test_view_zooms_within_limits_fits_and_pans(page) -> None:
    view = page.editor.view
    view.zoom_by(100)
    assert view.zoom() == pytest.approx(3.0)
    view.zoom_by(0.0001)
    assert view.zoom() == pytest.approx(0.15)
    view.fit()
    for item in page.editor.scene.nodes.values():
        assert view.mapToScene(view.viewport().rect()).boundingRect().contains(item.sceneBoundingRect())
    before = view.mapToScene(0, 0)
    view.pan_by(40, 0)
    assert view.mapToScene(0, 0).x() > before.x()


def test_the_canvas_survives_many_repaints(page) -> None:
    """Painting makes tens of thousands of void Qt calls; see app/ui/qt_fixes.py for why that matters."""
    for _ in range(200):
        page.editor.view.viewport().repaint()


def test_mouse_drag_moves_a_node_and_wires_ports(page, qtbot) -> None:
    editor = page.editor
    view = editor.view
    viewport = view.viewport()
    item = editor.scene.nodes["output1"]
    old = item.pos()
    start = view.mapFromScene(item.scenePos() + QPointF(60, 12))
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 6):
        QTest.mouseMove(viewport, start + QPoint(step * 8, step * 4))
    QTest.mouseRelease(
        viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(40, 20)
    )
    assert item.pos() != old
    assert editor.model.node("output1").position.x == item.x(), "the move reached the model"
    assert editor.undo.undo_text == "Move node"
    editor.undo.undo()
    assert item.pos() == old
    # drag a wire from prompt1's output to a second output node
    other = editor.add_node("output", QPointF(old.x() + 100, old.y() + 250))
    source = view.mapFromScene(editor.scene.nodes["prompt1"].outputs["text"].scene_anchor())
    target = view.mapFromScene(editor.scene.nodes[other].inputs["value"].scene_anchor())
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, source)
    QTest.mouseMove(viewport, (source + target) / 2)
    QTest.mouseMove(viewport, target)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target)
    wire = editor.model.edge_into(other, "value")
    assert wire is not None and wire.source == "prompt1"


def test_align_and_distribute_are_one_undo_step(page) -> None:
    editor = page.editor
    for node_id in ("input1", "prompt1", "output1"):
        editor.scene.nodes[node_id].setSelected(True)
    editor.align_selection("top")
    ys = {editor.model.node(n).position.y for n in ("input1", "prompt1", "output1")}
    assert ys == {20.0}
    editor.align_selection("hspread")
    xs = sorted(editor.model.node(n).position.x for n in ("input1", "prompt1", "output1"))
    assert xs == [0.0, 280.0, 560.0]
    editor.undo.undo()
    assert editor.model.node("input1").position.y == 40.0


def test_minimap_moves_the_canvas(page, qtbot) -> None:
    editor = page.editor
    minimap = editor.minimap
    editor.view.fit()
    assert not minimap.isVisible(), "no minimap while the whole graph is in view"
    editor.view.pan_by(-2000, -2000)
    qtbot.waitUntil(minimap.isVisible)
    target = minimap.mapFromScene(editor.scene.nodes["output1"].sceneBoundingRect().center())
    QTest.mouseClick(minimap.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target)
    visible = editor.view.mapToScene(editor.view.viewport().rect()).boundingRect()
    assert visible.contains(editor.scene.nodes["output1"].sceneBoundingRect().center())


def test_group_frames_follow_their_nodes_and_undo(page) -> None:
    editor = page.editor
    for node_id in ("input1", "prompt1"):
        editor.scene.nodes[node_id].setSelected(True)
    editor.group_action.trigger()
    (group,) = editor.model.graph.groups
    assert group.node_ids == ["input1", "prompt1"] and group.title == "Group 1"
    frame = editor.scene.groups[group.id]
    before = frame.sceneBoundingRect()
    editor.scene.nodes_moved.emit({"prompt1": ((280, 20), (280, 400))})
    assert frame.sceneBoundingRect().height() > before.height()
    # deleting a member leaves a group of one, which is no group; undo brings both back
    editor.scene.clearSelection()
    editor.scene.nodes["input1"].setSelected(True)
    editor.delete_action.trigger()
    assert editor.model.graph.groups == [] and not editor.scene.groups
    editor.undo.undo()
    assert [g.node_ids for g in editor.model.graph.groups] == [["input1", "prompt1"]]
    assert set(editor.scene.groups) == {group.id}
    editor.scene.clearSelection()
    editor.scene.nodes["input1"].setSelected(True)
    editor.ungroup_action.trigger()
    assert editor.model.graph.groups == []
    editor.undo.undo()
    editor.undo.undo()
    editor.undo.undo()
    assert editor.model.graph.groups == []


def test_keyboard_shortcuts_undo_redo_duplicate_and_delete(page, qtbot) -> None:
    editor = page.editor
    view = editor.view
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    editor.scene.nodes["output1"].setSelected(True)
    qtbot.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(editor.model.graph.nodes) == 4
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(editor.model.graph.nodes) == 3
    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(view, Qt.Key.Key_Z, redo)
    assert len(editor.model.graph.nodes) == 4
    editor.scene.nodes["output2"].setSelected(True)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert len(editor.model.graph.nodes) == 3


def test_shift_drop_joins_two_branches_into_one_input(page) -> None:
    editor = page.editor
    view, viewport = editor.view, editor.view.viewport()
    other = editor.add_node("prompt_template", QPointF(280, 260))
    nodes = editor.scene.nodes
    assert editor.model.edge_into("output1", "value").source == "prompt1"
    source = view.mapFromScene(nodes[other].outputs["text"].scene_anchor())
    target = view.mapFromScene(nodes["output1"].inputs["value"].scene_anchor())
    shift = Qt.KeyboardModifier.ShiftModifier
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, source)
    QTest.mouseMove(viewport, (source + target) / 2)
    QTest.mouseMove(viewport, target)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, shift, target)
    into = [e for e in editor.model.graph.edges if (e.target, e.target_port) == ("output1", "value")]
    assert [e.source for e in into] == ["prompt1", other], "both branches feed the output"
    assert all(e.id in editor.scene.edges for e in into)
    assert editor.undo.undo_text == "Join branches"
    editor.undo.undo()
    assert editor.model.edge_into("output1", "value").source == "prompt1"
    # without Shift the new wire replaces every wire into the input; undo brings them back
    editor.undo.redo()
    editor.scene.start_wire(nodes["input1"].outputs["value"])
    editor.scene.drag_wire_to(nodes["output1"].inputs["value"].scene_anchor())
    editor.scene.finish_wire(join=False)
    into = [e.source for e in editor.model.graph.edges if e.target == "output1"]
    assert into == ["input1"]
    editor.undo.undo()
    into = [e.source for e in editor.model.graph.edges if e.target == "output1"]
    assert into == ["prompt1", other]
