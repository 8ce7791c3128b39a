"""Grouping edits: what the groups become after group, ungroup or rename, and the in-place name editor.

The functions compute the new list of groups; the editor pushes it as one ``GroupsCommand``, so
each of these edits is a single undo step.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QGraphicsView, QLineEdit

from app.studio.graph import Group
from app.ui.studio.groups import GroupItem
from app.ui.studio.model import GraphModel


def grouped(model: GraphModel, nodes: set[str]) -> list[Group] | None:
    """The groups after putting ``nodes`` in a new group (a node is in one group at a time)."""
    if len(nodes) < 2:
        return None
    others = [
        g.model_copy(update={"node_ids": [n for n in g.node_ids if n not in nodes]})
        for g in model.graph.groups
    ]
    ordered = [n.id for n in model.graph.nodes if n.id in nodes]
    group_id = model.new_id("group")
    group = Group(id=group_id, title=f"Group {group_id.removeprefix('group')}", node_ids=ordered)
    return [*[g for g in others if len(g.node_ids) > 1], group]


def ungrouped(model: GraphModel, nodes: set[str]) -> list[Group] | None:
    """The groups after dissolving every group that holds one of ``nodes``; None if none does."""
    kept = [g for g in model.graph.groups if not set(g.node_ids) & nodes]
    return kept if len(kept) != len(model.graph.groups) else None


def renamed(model: GraphModel, group_id: str, title: str) -> list[Group] | None:
    """The groups with ``group_id`` called ``title``; None when nothing would change."""
    title = title.strip()
    group = next((g for g in model.graph.groups if g.id == group_id), None)
    if group is None or not title or title == group.title:
        return None
    return [g.model_copy(update={"title": title}) if g.id == group_id else g for g in model.graph.groups]


def selected_group(model: GraphModel, nodes: set[str]) -> Group | None:
    """The group whose members are exactly the selection (what clicking its frame selects)."""
    return next((g for g in model.graph.groups if nodes and set(g.node_ids) == nodes), None)


class GroupTitleEditor(QLineEdit):
    """A line edit over a group's title: Enter or leaving it commits, Escape cancels."""

    committed = Signal(str, str)  # group id, new title

    def __init__(self, view: QGraphicsView, frame: GroupItem) -> None:
        super().__init__(view.viewport())
        self.group_id = frame.group_id
        self._done = False
        rect = view.mapFromScene(frame.title_rect()).boundingRect()
        self.setGeometry(rect.x() - 4, rect.y(), max(160, min(rect.width(), 360)), max(24, rect.height()))
        self.setText(frame.title)
        self.selectAll()
        self.setPlaceholderText("Group name")
        self.editingFinished.connect(self._commit)
        self.show()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _commit(self) -> None:
        if not self._done:
            self._done = True
            self.committed.emit(self.group_id, self.text())
            self._close()

    def cancel(self) -> None:
        self._done = True
        self._close()

    def _close(self) -> None:
        self.hide()
        view = self.parentWidget().parentWidget() if self.parentWidget() else None
        if view is not None:
            view.setFocus()
        self.deleteLater()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self._commit()
