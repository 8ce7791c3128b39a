"""Studio named versions and group names: save by name, restore as one undoable edit, rename in place."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog

from app.studio.document import load_graph
from app.ui.pages.studio import StudioPage
from app.ui.studio.drafts import starter_graph
from app.ui.studio.group_edit import GroupTitleEditor
from app.ui.studio.menus import canvas_menu


@pytest.fixture
def page(studio_page: StudioPage) -> StudioPage:
    return studio_page


def _save_version(editor, qtbot, name: str) -> None:
    editor.window().activateWindow()  # back from the previous dialog
    editor.view.setFocus()
    qtbot.waitUntil(editor.view.hasFocus)
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(editor.view, Qt.Key.Key_S, shift_ctrl)
    dialog = editor.findChild(QInputDialog)
    assert dialog is not None and dialog.isVisible()
    count = editor.versions.list.count()
    dialog.setTextValue(name)
    dialog.accept()
    qtbot.waitUntil(lambda: editor.versions.list.count() == count + 1, timeout=10000)


def test_save_version_with_ctrl_shift_s_then_restore_and_undo(page, paths, qtbot) -> None:
    editor = page.editor
    qtbot.waitUntil(lambda: editor.draft_path is not None and editor.draft_path.exists(), timeout=10000)
    _save_version(editor, qtbot, "three nodes")
    assert editor.side.currentWidget() is editor.versions
    (version,) = editor.versions.versions()
    agent = editor.draft_path.stem
    assert version.path.parent == paths.data / "studio" / "versions" / agent
    assert version.name == "three nodes" and "three nodes" in editor.versions.list.item(0).text()
    assert {n.id for n in load_graph(version.path).nodes} == {"input1", "prompt1", "output1"}
    # change the agent: one more node, another name
    editor.add_node("output", QPointF(600, 300))
    page.name.setText("Renamed")
    page.name.editingFinished.emit()
    assert len(editor.model.graph.nodes) == 4
    _save_version(editor, qtbot, "four nodes")
    assert [v.name for v in editor.versions.versions()] == ["four nodes", "three nodes"]
    # restore the older one (double-click): one undo step, and nothing is lost
    older = editor.versions.list.item(1)
    editor.versions.list.setCurrentItem(older)
    editor.versions.list.itemDoubleClicked.emit(older)
    qtbot.waitUntil(lambda: len(editor.model.graph.nodes) == 3, timeout=10000)
    assert set(editor.scene.nodes) == {"input1", "prompt1", "output1"}
    assert editor.undo.undo_text == "Restore three nodes"
    assert page.name.text() == "Untitled agent", "the name comes back with the version"
    editor.undo.undo()
    assert len(editor.model.graph.nodes) == 4 and page.name.text() == "Renamed"
    assert len(editor.scene.nodes) == 4
    editor.undo.redo()
    assert len(editor.scene.nodes) == 3
    # the restored state is autosaved like any edit
    qtbot.waitUntil(lambda: len(load_graph(editor.draft_path).nodes) == 3, timeout=10000)


def test_versions_belong_to_their_agent(page, qtbot) -> None:
    editor = page.editor
    _save_version(editor, qtbot, "first agent")
    page.start_agent(starter_graph())
    assert editor.versions.list.count() == 0
    qtbot.waitUntil(lambda: "No versions yet" in editor.versions.note.text(), timeout=10000)
    assert not editor.versions.restore_button.isEnabled()


def _group_two(editor) -> str:
    for node_id in ("input1", "prompt1"):
        editor.scene.nodes[node_id].setSelected(True)
    editor.group_action.trigger()
    (group,) = editor.model.graph.groups
    return group.id


def test_double_click_a_group_title_renames_it_in_place(page, qtbot) -> None:
    editor = page.editor
    group_id = _group_two(editor)
    frame = editor.scene.groups[group_id]
    editor.view.fit()
    at = editor.view.mapFromScene(frame.title_rect().center())
    QTest.mouseDClick(editor.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    line = editor.view.viewport().findChild(GroupTitleEditor)
    assert line is not None and line.isVisible() and line.text() == "Group 1"
    line.selectAll()
    qtbot.keyClicks(line, "Inputs")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert editor.model.graph.groups[0].title == "Inputs"
    assert editor.scene.groups[group_id].title == "Inputs"
    assert editor.undo.undo_text == "Rename group"
    editor.undo.undo()
    assert editor.scene.groups[group_id].title == "Group 1"
    editor.undo.redo()
    assert editor.scene.groups[group_id].title == "Inputs"


def test_the_context_menu_and_the_undo_actions_follow_the_group(page) -> None:
    editor = page.editor
    group_id = _group_two(editor)
    assert (editor.undo_action.text(), editor.undo_action.isEnabled()) == ("Undo Group", True)
    assert (editor.redo_action.text(), editor.redo_action.isEnabled()) == ("Redo", False)
    menu = canvas_menu(editor, QPointF(0, 0))
    texts = [a.text() for a in menu.actions()]
    menu.deleteLater()
    assert "Rename group…  (F2)" in texts and editor.ungroup_action.text() in texts
    editor.undo_action.trigger()
    assert group_id not in editor.scene.groups
    assert (editor.undo_action.isEnabled(), editor.redo_action.text()) == (False, "Redo Group")


def test_f2_on_a_selected_group_and_escape_cancels(page, qtbot) -> None:
    editor = page.editor
    group_id = _group_two(editor)
    editor.scene.clearSelection()
    frame = editor.scene.groups[group_id]
    editor.view.fit()
    # clicking the frame selects its members: that is a selected group
    corner = editor.view.mapFromScene(frame.boundingRect().bottomRight() - QPointF(6, 6))
    no_mod = Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(editor.view.viewport(), Qt.MouseButton.LeftButton, no_mod, corner)
    assert editor.scene.selected_ids()[0] == {"input1", "prompt1"}
    editor.view.setFocus()
    qtbot.waitUntil(editor.view.hasFocus)
    qtbot.keyClick(editor.view, Qt.Key.Key_F2)
    line = editor.view.viewport().findChild(GroupTitleEditor)
    assert line is not None and line.hasFocus()
    qtbot.keyClicks(line, "Not this")
    qtbot.keyClick(line, Qt.Key.Key_Escape)
    assert editor.model.graph.groups[0].title == "Group 1" and editor.undo.undo_text == "Group"
    # F2 again, type a name and click elsewhere: leaving the field keeps the name
    qtbot.keyClick(editor.view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: editor.view.viewport().findChild(GroupTitleEditor) is not None)
    line = next(w for w in editor.view.viewport().findChildren(GroupTitleEditor) if w.isVisible())
    line.setText("  Question in  ")
    editor.view.setFocus()
    assert editor.model.graph.groups[0].title == "Question in"
    # an empty name changes nothing
    editor.rename_group(group_id, "   ")
    assert editor.model.graph.groups[0].title == "Question in"


def test_f2_on_one_node_goes_to_its_title(page, qtbot) -> None:
    editor = page.editor
    editor.scene.nodes["prompt1"].setSelected(True)
    editor.view.setFocus()
    qtbot.waitUntil(editor.view.hasFocus)
    qtbot.keyClick(editor.view, Qt.Key.Key_F2)
    assert editor.side.currentWidget() is editor.inspector
    qtbot.waitUntil(editor.inspector.title_field.hasFocus)
    assert editor.inspector.node_id == "prompt1"


def test_renamed_group_is_saved_in_the_draft(page, qtbot) -> None:
    editor = page.editor
    group_id = _group_two(editor)
    editor.rename_group(group_id, "Front")

    def saved() -> bool:
        path = editor.draft_path
        return path.exists() and [g.title for g in load_graph(path).groups] == ["Front"]

    qtbot.waitUntil(saved, timeout=10000)
