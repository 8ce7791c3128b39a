"""The editor's edits on the selection: clipboard, duplicate, align, group, ungroup and rename.

A mixin of ``StudioEditor`` (it uses the editor's model, scene, undo stack, view and inspector), kept
apart so the editor stays one screen of wiring; each edit is one undo command on the core stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.studio import groups as grouping
from app.studio.edits import AddItemsCommand, GroupsCommand, MoveNodesCommand
from app.ui.studio import clipboard, group_edit
from app.ui.studio.align import MODES, align
from app.ui.studio.items import NodeItem

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QTabWidget, QWidget

    from app.studio.graph_model import GraphModel
    from app.studio.undo import UndoStack
    from app.ui.studio.inspector import InspectorPanel
    from app.ui.studio.scene import StudioScene
    from app.ui.studio.view import CanvasView


class SelectionEdits:
    model: GraphModel
    undo: UndoStack
    scene: StudioScene
    view: CanvasView
    side: QTabWidget
    inspector: InspectorPanel
    show_side: Callable[[QWidget], None]

    def copy_selection(self) -> None:
        clipboard.copy(self.model, self.scene.selected_ids()[0])

    def paste(self) -> None:
        data = clipboard.clipboard_fragment()
        if data:
            self._insert_fragment(data, "Paste", 40)

    def duplicate(self) -> None:
        nodes = self.scene.selected_ids()[0]
        if nodes:
            self._insert_fragment(clipboard.fragment(self.model, nodes), "Duplicate", 40)

    def _insert_fragment(self, data: dict, text: str, offset: float) -> None:
        nodes, edges = clipboard.instantiate(self.model, data, offset, offset)
        if not nodes:
            return
        self.undo.push(AddItemsCommand(self.model, nodes, edges, text))
        self.scene.clearSelection()
        for node in nodes:
            self.scene.nodes[node.id].setSelected(True)

    def align_selection(self, mode: str) -> None:
        items = [i for i in self.scene.selectedItems() if isinstance(i, NodeItem)]
        moves = align(items, mode)
        if moves:
            self.undo.push(MoveNodesCommand(self.model, moves, MODES[mode]))

    def group_selection(self) -> None:
        groups = grouping.grouped(self.model, self.scene.selected_ids()[0])
        if groups is not None:
            self.undo.push(GroupsCommand(self.model, groups, "Group"))

    def ungroup_selection(self) -> None:
        groups = grouping.ungrouped(self.model, self.scene.selected_ids()[0])
        if groups is not None:
            self.undo.push(GroupsCommand(self.model, groups, "Ungroup"))

    def rename_selection(self) -> None:
        """F2: edit the name of the selected group in place, or the selected node's title."""
        nodes = self.scene.selected_ids()[0]
        group = grouping.selected_group(self.model, nodes)
        if group is not None:
            self.edit_group_title(group.id)
        elif len(nodes) == 1:
            self.show_side(self.inspector)
            self.inspector.title_field.setFocus()
            self.inspector.title_field.selectAll()

    def edit_group_title(self, group_id: str) -> group_edit.GroupTitleEditor | None:
        frame = self.scene.groups.get(group_id)
        if frame is None:
            return None
        editor = group_edit.GroupTitleEditor(self.view, frame)
        editor.committed.connect(self.rename_group)
        return editor

    def rename_group(self, group_id: str, title: str) -> None:
        groups = grouping.renamed(self.model, group_id, title)
        if groups is not None:
            self.undo.push(GroupsCommand(self.model, groups, "Rename group"))
