"""The label set as a table a requester edits: a name, a colour (QColorDialog) and a hotkey per class,
rows added, removed and reordered (the order is the order labelers see, and the default keys 1, 2, …).

The rows are kept as typed; ``campaign_rules.check_label_rows`` judges them and its messages show
under the table at every change, so a name used twice is pointed out before Next is pressed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.labeling.campaign_rules import LabelRow, check_label_rows
from app.labeling.schema import DEFAULT_COLORS, HOTKEYS, LabelSet
from app.ui.labeling.tables import table_style
from app.ui.theme import Colors
from app.ui.widgets.fields import StatusText

NAME, COLOR, HOTKEY = range(3)


def swatch_style(color: str) -> str:
    """A filled chip with the hex code in a colour that reads on it."""
    text = "#1d1e22" if QColor(color).lightness() > 150 else "#ffffff"
    return f"QPushButton {{ background: {color}; color: {text}; border-radius: 6px; padding: 3px 10px; }}"


class LabelSetEditor(QWidget):
    changed = Signal()

    def __init__(self, colors: Colors) -> None:
        super().__init__()
        self._rows: list[LabelRow] = []
        self._filling = False
        self.color_dialog: QColorDialog | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["CLASS", "COLOUR", "HOTKEY"])
        self.table.setAccessibleName("Classes")
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.verticalHeader().setDefaultSectionSize(38)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COLOR, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(HOTKEY, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(COLOR, 120)
        self.table.setColumnWidth(HOTKEY, 90)
        self.table.setStyleSheet(table_style(colors))
        self.table.setToolTip("F2 or typing edits a name or hotkey; Alt+Up and Alt+Down move the class.")
        self.table.itemChanged.connect(self._edited)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        column.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.add_button = self._button("&Add class", self.add_row)
        self.remove_button = self._button("&Remove", self.remove_selected)
        self.up_button = self._button("Move &up", lambda: self.move_selected(-1))
        self.down_button = self._button("Move do&wn", lambda: self.move_selected(1))
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        for keys, slot in (
            (QKeySequence("Alt+Up"), lambda: self.move_selected(-1)),
            (QKeySequence("Alt+Down"), lambda: self.move_selected(1)),
            (QKeySequence(QKeySequence.StandardKey.Delete), self.remove_selected),
        ):
            shortcut = QShortcut(keys, self.table, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.status = StatusText()
        column.addWidget(self.status)
        self._update_buttons()

    def _button(self, text: str, slot: object) -> QPushButton:
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def apply_colors(self, colors: Colors) -> None:
        self.table.setStyleSheet(table_style(colors))

    # -- the rows ------------------------------------------------------------------------------------

    def set_label_set(self, label_set: LabelSet | None) -> None:
        self._rows = [LabelRow(c.name, c.color, c.hotkey) for c in label_set.classes] if label_set else []
        self._fill()

    def rows(self) -> list[LabelRow]:
        return list(self._rows)

    def add_row(self) -> None:
        used_keys = {r.hotkey.lower() for r in self._rows}
        used_colors = {r.color.lower() for r in self._rows}
        key = next((k for k in HOTKEYS if k not in used_keys), "")
        color = next((c for c in DEFAULT_COLORS if c not in used_colors), DEFAULT_COLORS[0])
        self._rows.append(LabelRow("", color, key))
        self._fill(select=len(self._rows) - 1)
        self.table.setFocus()
        self.table.editItem(self.table.item(len(self._rows) - 1, NAME))

    def remove_selected(self) -> None:
        row = self._selected()
        if row is None:
            return
        del self._rows[row]
        self._fill(select=min(row, len(self._rows) - 1))

    def move_selected(self, by: int) -> None:
        row = self._selected()
        if row is None or not 0 <= row + by < len(self._rows):
            return
        self._rows[row], self._rows[row + by] = self._rows[row + by], self._rows[row]
        self._fill(select=row + by)

    def choose_color(self, row: int) -> None:
        """Open the colour picker for ``row`` (``open``, never ``exec``: asyncio keeps running)."""
        dialog = QColorDialog(QColor(self._rows[row].color), self)
        dialog.setWindowTitle(f"Colour of {self._rows[row].name or 'the class'}")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.colorSelected.connect(lambda color: self.set_color(row, color.name()))
        self.color_dialog = dialog
        dialog.open()

    def set_color(self, row: int, color: str) -> None:
        if 0 <= row < len(self._rows):
            self._rows[row] = self._rows[row]._replace(color=color)
            self._fill(select=row)

    def _selected(self) -> int | None:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        return min(rows) if rows else None

    def _fill(self, select: int | None = None) -> None:
        self._filling = True
        self.table.setRowCount(len(self._rows))
        for r, row in enumerate(self._rows):
            name = QTableWidgetItem(row.name)
            name.setData(Qt.ItemDataRole.AccessibleTextRole, f"Class {r + 1} name")
            key = QTableWidgetItem(row.hotkey)
            key.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.table.setItem(r, NAME, name)
            self.table.setItem(r, HOTKEY, key)
            swatch = QPushButton(row.color)
            swatch.setAutoDefault(False)
            swatch.setAccessibleName(
                f"Colour of {row.name or f'class {r + 1}'}: {row.color}. Press to change."
            )
            swatch.setStyleSheet(swatch_style(row.color))
            swatch.clicked.connect(lambda _checked=False, r=r: self.choose_color(r))
            self.table.setCellWidget(r, COLOR, swatch)
        self._filling = False
        if select is not None and select >= 0:
            self.table.selectRow(select)
        self._validate()

    def _edited(self, item: QTableWidgetItem) -> None:
        if self._filling or item.row() >= len(self._rows):
            return
        row = self._rows[item.row()]
        if item.column() == NAME:
            self._rows[item.row()] = row._replace(name=item.text())
        elif item.column() == HOTKEY:
            self._rows[item.row()] = row._replace(hotkey=item.text().strip().lower())
        self._validate()

    def _validate(self) -> None:
        _label_set, problems = check_label_rows(self._rows)
        if problems:
            self.status.set_error("\n".join(problems))
        else:
            count = len(self._rows)
            self.status.set_ok(f"{count} class{'es' if count != 1 else ''}, each with its own name and key.")
        self._update_buttons()
        self.changed.emit()

    def _update_buttons(self) -> None:
        row = self._selected()
        self.remove_button.setEnabled(row is not None)
        self.up_button.setEnabled(row is not None and row > 0)
        self.down_button.setEnabled(row is not None and row < len(self._rows) - 1)
