"""Named versions of the agent being edited: save one by name, list them, restore one.

Files are read and written in worker threads; the panel only fills its list when they come back.
Restoring is asked of the editor (``restore_requested``), which makes it one undoable edit, so
nothing unsaved is ever lost to a restore.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.studio.document import GraphFileError
from app.studio.graph import Graph
from app.studio.versions import Version, VersionStore
from app.ui.operations import Op, Operations
from app.ui.widgets import styled_label

VERSION_ROLE = Qt.ItemDataRole.UserRole


class VersionsPanel(QWidget):
    restore_requested = Signal(object, str)  # the version's Graph, its name
    saved = Signal(object)  # the new Version

    def __init__(
        self,
        store: VersionStore,
        ops: Operations,
        agent: Callable[[], str | None],
        graph: Callable[[], Graph],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.ops = ops
        self._agent = agent
        self._graph = graph
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.note: QLabel = styled_label("", "muted", wrap=True)
        layout.addWidget(self.note)
        self.list = QListWidget()
        self.list.itemDoubleClicked.connect(lambda _item: self.restore_selected())
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save version…")
        self.save_button.setToolTip("Keep a named snapshot of the agent (Ctrl+Shift+S)")
        self.save_button.clicked.connect(self.ask_name)
        self.restore_button = QPushButton("Restore")
        self.restore_button.setToolTip("Replace the canvas with this version (undo with Ctrl+Z)")
        self.restore_button.clicked.connect(self.restore_selected)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.error = styled_label("", "error", wrap=True)
        self.error.hide()
        layout.addWidget(self.error)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(self.list.currentItem() is not None)

    def _show_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))

    def ask_name(self) -> QInputDialog:
        """Ask for a name without blocking the loop; the version is saved when the dialog is accepted."""
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Save version")
        dialog.setLabelText("Name of this version:")
        dialog.setTextValue(f"Version {self.list.count() + 1}")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(lambda name: self.save(name.strip()) if name.strip() else None)
        dialog.open()
        return dialog

    def save(self, name: str) -> None:
        agent = self._agent()
        if agent is None:
            return
        graph = self._graph().model_copy(deep=True)
        self.ops.run(Op(f"save-version-{name}", lambda _say: self._save(agent, name, graph)))

    async def _save(self, agent: str, name: str, graph: Graph) -> None:
        try:
            version = await asyncio.to_thread(self.store.save, agent, name, graph)
        except OSError as exc:
            self._show_error(f"Could not save the version: {exc.strerror or exc}")
            return
        self._show_error(None)
        await self._load(agent)
        self.saved.emit(version)

    def clear(self) -> None:
        """Forget the list (another agent is open); ``refresh`` reads the new agent's versions."""
        self.list.clear()
        self._show_error(None)
        self._update_buttons()

    def refresh(self) -> None:
        agent = self._agent()
        if agent is not None:
            self.ops.run(Op("versions", lambda _say: self._load(agent), again=True))

    async def _load(self, agent: str) -> None:
        versions = await asyncio.to_thread(self.store.list, agent)
        if agent != self._agent():
            return  # another agent was opened meanwhile
        self.list.clear()
        for version in versions:
            item = QListWidgetItem(version.label)
            item.setData(VERSION_ROLE, version)
            item.setToolTip(str(version.path))
            self.list.addItem(item)
        if versions:
            self.list.setCurrentRow(0)
        self.note.setText(
            "Double-click a version to restore it; restoring can be undone."
            if versions
            else "No versions yet. Save one by name (Ctrl+Shift+S) to come back to it later."
        )
        self._update_buttons()

    def versions(self) -> list[Version]:
        return [self.list.item(i).data(VERSION_ROLE) for i in range(self.list.count())]

    def restore_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            version = item.data(VERSION_ROLE)
            self.ops.run(Op("restore-version", lambda _say: self._restore(version)))

    async def _restore(self, version: Version) -> None:
        try:
            graph = await asyncio.to_thread(self.store.load, version)
        except GraphFileError as exc:
            self._show_error(f"Could not restore {version.name}: {exc}")
            return
        self._show_error(None)
        self.restore_requested.emit(graph, version.name)
