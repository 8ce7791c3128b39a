"""Inspector editors for list settings, so no one has to type JSON: a list of words (class labels)
and a tensor shape (a row of dimensions).

Each emits ``changed`` when the user finishes an edit; the inspector then reads ``value()`` and
turns the change into one undoable settings edit, like any other field.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

MAX_DIMENSION = 1_000_000


def _small_button(text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.setProperty("flat", True)
    return button


class StringListEditor(QWidget):
    """One row per entry, edited in place (double-click or F2); Add, Remove, and drag to reorder."""

    changed = Signal()

    def __init__(self, values: list[str], placeholder: str = "label", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = placeholder
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.list = QListWidget()
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.list.setMaximumHeight(150)
        for value in values:
            self._append(value)
        buttons = QHBoxLayout()
        self.add_button = _small_button("+ Add", f"Add a {placeholder}")
        self.remove_button = _small_button("Remove", f"Remove the selected {placeholder}")
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self.add_entry)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.itemChanged.connect(lambda _item: self.changed.emit())
        self.list.model().rowsMoved.connect(lambda *_: self.changed.emit())

    def _append(self, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.list.addItem(item)
        return item

    def add_entry(self) -> None:
        """A new row, already in edit mode; it counts once the user names it."""
        item = self._append("")
        self.list.setCurrentItem(item)
        self.list.editItem(item)

    def remove_selected(self) -> None:
        rows = sorted((self.list.row(i) for i in self.list.selectedItems()), reverse=True)
        for row in rows:
            self.list.takeItem(row)
        if rows:
            self.changed.emit()

    def value(self) -> list[str]:
        """The entries in order; blank rows do not count."""
        texts = (self.list.item(i).text().strip() for i in range(self.list.count()))
        return [t for t in texts if t]


class ShapeEditor(QWidget):
    """A shape as a row of dimensions (-1: whatever is left); "Reshape" off means no shape at all."""

    changed = Signal()

    def __init__(self, shape: list[int] | None, nullable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.enabled = QCheckBox("Reshape the input")
        self.enabled.setChecked(shape is not None)
        self.enabled.setVisible(nullable)
        self.row = QHBoxLayout()
        self.row.setSpacing(4)
        self.boxes: list[QSpinBox] = []
        self.add_button = _small_button("+", "Add a dimension")
        self.remove_button = _small_button("−", "Remove the last dimension")
        layout.addWidget(self.enabled)
        layout.addLayout(self.row)
        self.row.addWidget(self.add_button)
        self.row.addWidget(self.remove_button)
        self.row.addStretch(1)
        for size in shape or ([1] if not nullable else []):
            self._add_box(size)
        self.enabled.toggled.connect(self._toggled)
        self.add_button.clicked.connect(lambda: self._edit(lambda: self._add_box(1)))
        self.remove_button.clicked.connect(lambda: self._edit(self._remove_box))
        self._sync()

    def _add_box(self, size: int) -> None:
        box = QSpinBox()
        box.setRange(-1, MAX_DIMENSION)
        box.setSpecialValueText("any")  # -1 reads as "any": whatever is left
        box.setValue(size)
        box.setMinimumWidth(40)
        box.setToolTip("Size of this dimension; 'any' (-1) takes whatever is left")
        box.editingFinished.connect(self.changed.emit)
        self.row.insertWidget(len(self.boxes), box)
        self.boxes.append(box)

    def _remove_box(self) -> None:
        if len(self.boxes) > 1:
            self.boxes.pop().deleteLater()

    def _edit(self, change: Callable[[], None]) -> None:
        change()
        self._sync()
        self.changed.emit()

    def _toggled(self, on: bool) -> None:
        if on and not self.boxes:
            self._add_box(1)
        self._sync()
        self.changed.emit()

    def _sync(self) -> None:
        on = self.enabled.isHidden() or self.enabled.isChecked()
        for widget in [*self.boxes, self.add_button, self.remove_button]:
            widget.setEnabled(on)
        self.remove_button.setEnabled(on and len(self.boxes) > 1)

    def value(self) -> list[int] | None:
        if not self.enabled.isHidden() and not self.enabled.isChecked():
            return None
        return [box.value() for box in self.boxes]
