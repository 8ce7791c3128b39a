"""The search box and the filters above the results: each change becomes one ``Query``.

Typing is debounced (a search per pause, not per key); a filter changes the query at once. The
widget holds no state the query lacks: ``query()`` reads the controls, ``clear_filters()`` resets
them, and ``changed`` says a new query is due.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from app.market.catalog.search import Query, Sort
from app.ui.widgets import styled_label

DEBOUNCE_MS = 180
E18 = 10**18
KIND_CHOICES: list[tuple[str, int | None]] = [
    ("All kinds", None),
    ("Datasets", 0),
    ("Models", 1),
    ("Agents", 2),
]
TERM_CHOICES: list[tuple[str, bool | None, bool | None]] = [
    ("Any license terms", None, None),
    ("Commercial use", True, None),
    ("Derivatives allowed", None, True),
    ("Commercial use and derivatives", True, True),
]
PRICE_CHOICES: list[tuple[str, int | None, int | None]] = [
    ("Any price", None, None),
    ("Free", 0, 0),
    ("Up to 1 SAHARA", None, E18),
    ("Up to 10 SAHARA", None, 10 * E18),
    ("Up to 100 SAHARA", None, 100 * E18),
    ("Over 100 SAHARA", 100 * E18 + 1, None),
]
SORT_CHOICES: list[tuple[str, Sort | None]] = [
    ("Best match", None),
    ("Newest", "newest"),
    ("Most licensed", "licensed"),
    ("Lowest price", "price"),
]
ANY_TASK = "All task types"


class SearchField(QLineEdit):
    """The search box; Down hands the keyboard to the results (``down_pressed``)."""

    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


def _combo(labels: list[str], name: str) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.addItems(labels)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(9)  # shrinks in a narrow window instead of overlapping its neighbour
    box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    return box


class FilterBar(QWidget):
    changed = Signal()  # the query is different now (after the debounce, for typing)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = SearchField()
        self.search.setObjectName("MarketSearch")
        self.search.setPlaceholderText("Search datasets, models and agents by name, card or tag   (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search the marketplace")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.search.returnPressed.connect(self.flush)

        self.kind = _combo([c[0] for c in KIND_CHOICES], "MarketKind")
        self.task = _combo([ANY_TASK], "MarketTask")
        self.terms = _combo([c[0] for c in TERM_CHOICES], "MarketTerms")
        self.price = _combo([c[0] for c in PRICE_CHOICES], "MarketPrice")
        self.sort = _combo([c[0] for c in SORT_CHOICES], "MarketSort")
        self.sort.setToolTip("Sort the results")
        self.derived = QCheckBox("Has derivatives")
        self.derived.setToolTip("Only assets that other published assets derive from")
        self.mine = QCheckBox("Owned by me")
        self.mine.setEnabled(False)
        self.mine.setToolTip("Needs a wallet account")
        self.meaning = QCheckBox("Search by meaning")
        self.meaning.setAccessibleName("Search by meaning")
        self.meaning.toggled.connect(self.changed)
        self.sort.currentIndexChanged.connect(self._meaning_follows_sort)
        self._meaning_follows_sort()
        self._me: str | None = None
        for box in (self.kind, self.task, self.terms, self.price, self.sort):
            box.currentIndexChanged.connect(self.changed)
        for check in (self.derived, self.mine):
            check.toggled.connect(self.changed)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        column.addWidget(self.search)
        row = QHBoxLayout()
        row.setSpacing(8)
        for widget in (self.kind, self.task, self.terms, self.price):
            row.addWidget(widget, 1)
        column.addLayout(row)
        checks = QHBoxLayout()
        checks.setSpacing(16)
        checks.addWidget(self.derived)
        checks.addWidget(self.mine)
        checks.addWidget(self.meaning)
        checks.addStretch(1)
        checks.addWidget(styled_label("Sort by", "muted"))
        checks.addWidget(self.sort)
        column.addLayout(checks)

    def flush(self) -> None:
        """Return in the box: search now rather than after the pause."""
        if self._timer.isActive():
            self._timer.stop()
            self.changed.emit()

    def _meaning_follows_sort(self) -> None:
        """Meaning ranks results, so it applies to "Best match" only; the box keeps its tick meanwhile."""
        best = self.sort.currentIndex() == 0
        self.meaning.setEnabled(best)
        self.meaning.setToolTip(
            "Also find assets whose name, card or tags mean what you typed, not only those with its words"
            if best
            else "Search by meaning ranks the results: sort by Best match to use it"
        )

    def searching_by_meaning(self) -> bool:
        return self.meaning.isEnabled() and self.meaning.isChecked()

    def set_account(self, address: str | None) -> None:
        """The account "Owned by me" means; without one the filter is off and says why."""
        self._me = address
        self.mine.setEnabled(address is not None)
        self.mine.setToolTip("Assets this account owns" if address else "Needs a wallet account")
        if address is None and self.mine.isChecked():
            self.mine.setChecked(False)

    def set_task_types(self, types: list[str]) -> None:
        """The task types the catalogue holds; the one chosen stays chosen if it is still there."""
        current = self.task.currentText()
        wanted = [ANY_TASK, *types]
        if [self.task.itemText(i) for i in range(self.task.count())] == wanted:
            return
        self.task.blockSignals(True)
        self.task.clear()
        self.task.addItems(wanted)
        self.task.setCurrentIndex(max(0, self.task.findText(current)))
        self.task.blockSignals(False)
        if self.task.currentText() != current:
            self.changed.emit()

    def filtered(self) -> bool:
        """Whether any filter (not the words) narrows the results."""
        boxes = (self.kind, self.task, self.terms, self.price)
        return any(box.currentIndex() for box in boxes) or self.derived.isChecked() or self.mine.isChecked()

    def clear_filters(self) -> None:
        for box in (self.kind, self.task, self.terms, self.price):
            box.blockSignals(True)
            box.setCurrentIndex(0)
            box.blockSignals(False)
        for check in (self.derived, self.mine):
            check.blockSignals(True)
            check.setChecked(False)
            check.blockSignals(False)
        self.changed.emit()

    def query(self, limit: int = 100) -> Query:
        _, commercial, derivatives = TERM_CHOICES[self.terms.currentIndex()]
        _, low, high = PRICE_CHOICES[self.price.currentIndex()]
        task = self.task.currentText()
        return Query(
            text=self.search.text(),
            kind=KIND_CHOICES[self.kind.currentIndex()][1],
            task_type=None if task == ANY_TASK else task,
            commercial=commercial,
            derivatives=derivatives,
            min_price=low,
            max_price=high,
            has_derivatives=True if self.derived.isChecked() else None,
            owner=self._me if self.mine.isChecked() and self._me else None,
            sort=SORT_CHOICES[self.sort.currentIndex()][1],
            limit=limit,
            semantic=self.searching_by_meaning(),
        )
