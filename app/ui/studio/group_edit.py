"""The in-place editor of a group's name on the canvas; what renaming does is ``app.studio.groups``."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QGraphicsView, QLineEdit

from app.ui.studio.groups import GroupItem


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
