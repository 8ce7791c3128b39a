"""The labeling view's keys, in one place: what each key does, routed to the session and view.

``KeyRouter`` is an event filter on the view and its canvas / text widgets, so keys reach it
before the focused widget (a read-only text edit would swallow Ctrl+Z; a graphics view scrolls on
arrows). It claims its keys in ``ShortcutOverride`` too, so no window-wide shortcut takes them.
Keys it does not know go on to the focused widget: Shift+arrows select text, Ctrl+C copies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent

from app.labeling.schema import TaskType
from app.labeling.session import LabelingSession
from app.ui.labeling.labeler.image_view import ZOOM_STEP

if TYPE_CHECKING:
    from app.ui.labeling.labeler.labeling_view import LabelingView

TEXT_KEYS = {  # with Shift these extend the selection in a text item; Up/Down move the caret
    Qt.Key.Key_Left,
    Qt.Key.Key_Right,
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_Home,
    Qt.Key.Key_End,
    Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown,
}
ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


class KeyRouter(QObject):
    """What every key does in the labeling view (the sheet in ``shortcuts`` lists them)."""

    def __init__(self, view: LabelingView) -> None:
        super().__init__(view)
        self.view = view

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) and self._claims(event):
            event.accept()  # ours, not a window-wide shortcut's
            return True
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self.handle(event)
        if kind == QEvent.Type.KeyRelease and isinstance(event, QKeyEvent):
            return self._released(event)
        return super().eventFilter(watched, event)

    def _claims(self, event: QKeyEvent) -> bool:
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        return mods in (Qt.KeyboardModifier.NoModifier, SHIFT) or event.key() in (
            Qt.Key.Key_Z,
            Qt.Key.Key_Y,
            Qt.Key.Key_0,
            Qt.Key.Key_A,
            *ENTER,
        )

    def handle(self, event: QKeyEvent) -> bool:
        """Do what ``event``'s key does; False lets the focused widget have it."""
        view = self.view
        session = view.session
        if session is None or view.pages.currentIndex() != 0:
            return False
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ctrl, shift = bool(mods & CTRL), bool(mods & SHIFT)
        text = event.text()
        if key in (Qt.Key.Key_F1, Qt.Key.Key_Question) or text == "?":
            view.toggle_sheet()
            return True
        if view.busy:
            return True
        if ctrl and key in ENTER:
            view.request_submit()
            return True
        if key == Qt.Key.Key_Z and (ctrl or not mods or shift):
            if shift:
                session.redo()
            else:
                session.undo()
            return True
        if ctrl and key == Qt.Key.Key_Y:
            session.redo()
            return True
        image = session.task.modality == "image"
        if ctrl and key == Qt.Key.Key_0 and image:
            view.canvas.fit()
            return True
        if ctrl and key == Qt.Key.Key_A and view.keys is not None and view.keys.accept == "Ctrl+A":
            view.edits.accept_suggestion()
            return True
        if mods & ~SHIFT:
            return False  # Ctrl+C, Ctrl+arrows in a text, window shortcuts
        if shift and key in ENTER:  # skip: the item goes in unanswered (an "I can't tell")
            session.clear()
            if not session.next():
                view.show_status("Skipped. That was the last item: Ctrl+Enter submits the batch.", "ok")
            return True
        if (
            session.task is TaskType.NER
            and (shift or key in (Qt.Key.Key_Up, Qt.Key.Key_Down))
            and key in TEXT_KEYS
        ):
            return False  # the text view selects
        return self._plain(session, key, text, image, event.isAutoRepeat())

    def _plain(self, session: LabelingSession, key: int, text: str, image: bool, repeat: bool) -> bool:
        view = self.view
        if key == Qt.Key.Key_Right or key in ENTER:
            session.next()
        elif key == Qt.Key.Key_Left:
            session.previous()
        elif key == Qt.Key.Key_Space:
            if image:
                if not repeat:
                    view.canvas.space_pressed()  # a tap is "next" (on release), a drag pans
            elif not repeat:
                session.next()
        elif key == Qt.Key.Key_Tab:
            if not session.next_unanswered():
                view.show_status("Every item has an answer: Ctrl+Enter submits the batch.", "ok")
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            view.edits.delete_selected()
        elif key == Qt.Key.Key_Escape:
            self.escape()
        elif key == Qt.Key.Key_B and session.task is TaskType.BOUNDING_BOXES:
            view.toggle_box_tool()
        elif image and key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            view.canvas.zoom_by(ZOOM_STEP)
        elif image and key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            view.canvas.zoom_by(1 / ZOOM_STEP)
        elif image and text == "0" and view.keys is not None and view.keys.fit == "0":
            view.canvas.fit()
        elif text.lower() == "a" and view.keys is not None and view.keys.accept == "A":
            view.edits.accept_suggestion()
        else:
            cls = session.class_for_key(text)
            if cls is None:
                return key not in (Qt.Key.Key_Up, Qt.Key.Key_Down)  # unknown keys do nothing, quietly
            view.edits.pick(cls.name)
        return True

    def _released(self, event: QKeyEvent) -> bool:
        view = self.view
        if event.key() != Qt.Key.Key_Space or event.isAutoRepeat() or view.session is None:
            return False
        if view.session.task.modality == "image" and view.canvas.space_released() and not view.busy:
            view.session.next()
        return True

    def escape(self) -> None:
        """Esc: cancel a drag, else deselect, else leave the box tool, else drop the text selection."""
        view = self.view
        session = view.session
        tool = view.canvas.tool
        if tool is not None and tool.busy:
            tool.cancel()
        elif session is not None and session.selected_box is not None:
            session.select_box(None)
        elif tool is not None and tool.drawing:
            view.toggle_box_tool()
        elif session is not None and session.task is TaskType.NER:
            view.text_view.collapse_selection()
