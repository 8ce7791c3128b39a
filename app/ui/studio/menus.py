"""The canvas's context menu: what can be done with the selection, at the cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QMenu

from app.studio import groups as grouping
from app.ui.studio.align import MODES

if TYPE_CHECKING:
    from app.ui.studio.editor import StudioEditor


def canvas_menu(editor: StudioEditor, scene_pos: QPointF) -> QMenu:
    menu = QMenu(editor)
    menu.addAction("Add node…", lambda: editor.open_quick_add(scene_pos))
    nodes = editor.scene.selected_ids()[0]
    if len(nodes) == 1:
        menu.addAction("Run up to this node", editor.run_selected)
    if nodes:
        menu.addSeparator()
        for action in (editor.copy_action, editor.duplicate_action, editor.delete_action):
            menu.addAction(action)
    if len(nodes) > 1:
        menu.addSeparator()
        menu.addAction(editor.group_action)
    if grouping.selected_group(editor.model, nodes) is not None:
        menu.addAction("Rename group…  (F2)", editor.rename_selection)
    if any(set(g.node_ids) & nodes for g in editor.model.graph.groups):
        menu.addAction(editor.ungroup_action)
    if len(nodes) > 1:
        menu.addSeparator()
        for mode, text in MODES.items():
            menu.addAction(text, lambda m=mode: editor.align_selection(m))
    menu.addSeparator()
    menu.addAction(editor.paste_action)
    menu.addAction(editor.fit_action)
    return menu
