"""The node palette: every node type, filtered as you type; drag one onto the canvas or press Enter."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QModelIndex, Qt, Signal
from PySide6.QtGui import QDrag, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.studio import registry
from app.ui.studio.view import NODE_MIME

TYPE_ROLE = Qt.ItemDataRole.UserRole


class NodeTypeList(QListWidget):
    """The list itself: its items drag the node type's name."""

    def __init__(self) -> None:
        super().__init__()
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        item = self.currentItem()
        if item is None or not item.data(TYPE_ROLE):
            return
        mime = QMimeData()
        mime.setData(NODE_MIME, item.data(TYPE_ROLE).encode())
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.CopyAction)


class NodePalette(QWidget):
    """A filter box over the node types, grouped by category; ``chosen`` on Enter or double-click."""

    chosen = Signal(str)
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Search nodes…")
        self.filter.setClearButtonEnabled(True)
        self.list = NodeTypeList()
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        category = None
        for node_type in registry.all_types():
            if node_type.category.lower() == "test":
                continue
            if node_type.category != category:
                category = node_type.category
                header = QListWidgetItem(category.upper())
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                self.list.addItem(header)
            item = QListWidgetItem(node_type.title)
            item.setData(TYPE_ROLE, node_type.type_name)
            item.setToolTip(node_type.description)
            item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, node_type.description)
            self.list.addItem(item)
        self.filter.textChanged.connect(self.apply_filter)
        self.filter.returnPressed.connect(self._choose_current)
        self.filter.installEventFilter(self)
        self.list.doubleClicked.connect(self._choose_index)
        self.list.itemActivated.connect(lambda item: self._choose(item))
        self.apply_filter("")

    def visible_types(self) -> list[str]:
        return [
            self.list.item(i).data(TYPE_ROLE)
            for i in range(self.list.count())
            if not self.list.item(i).isHidden() and self.list.item(i).data(TYPE_ROLE)
        ]

    def apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        header: QListWidgetItem | None = None
        header_has = False
        first: QListWidgetItem | None = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            if not item.data(TYPE_ROLE):
                if header is not None:
                    header.setHidden(not header_has)
                header, header_has = item, False
                continue
            hit = not needle or needle in f"{item.text()} {item.toolTip()} {item.data(TYPE_ROLE)}".lower()
            item.setHidden(not hit)
            header_has = header_has or hit
            if hit and first is None:
                first = item
        if header is not None:
            header.setHidden(not header_has)
        if first is not None:
            self.list.setCurrentItem(first)

    def reset(self) -> None:
        self.filter.clear()
        self.filter.setFocus()

    def _choose_current(self) -> None:
        self._choose(self.list.currentItem())

    def _choose_index(self, index: QModelIndex) -> None:
        self._choose(self.list.item(index.row()))

    def _choose(self, item: QListWidgetItem | None) -> None:
        if item is not None and not item.isHidden() and item.data(TYPE_ROLE):
            self.chosen.emit(item.data(TYPE_ROLE))

    def eventFilter(self, obj: object, event: object) -> bool:
        # Up/Down in the filter box move through the list; Escape dismisses a quick-add popup.
        if isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                self._step(1 if event.key() == Qt.Key.Key_Down else -1)
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.dismissed.emit()
                return True
        return super().eventFilter(obj, event)

    def _step(self, delta: int) -> None:
        row = self.list.currentRow()
        for _ in range(self.list.count()):
            row = (row + delta) % self.list.count()
            item = self.list.item(row)
            if not item.isHidden() and item.data(TYPE_ROLE):
                self.list.setCurrentRow(row)
                return


class QuickAddPopup(QFrame):
    """The palette floating over the canvas at the cursor (Tab or double-click)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("QuickAdd")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.palette_widget = NodePalette()
        layout.addWidget(self.palette_widget)
        self.resize(240, 300)
        self.palette_widget.dismissed.connect(self.hide)
        self.hide()
