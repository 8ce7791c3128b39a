"""What a labeling key does to the current item's answer: a class key labels (or relabels the
selected box, or marks the selected text), the accept key takes the pre-labeler's class, Delete
removes what is selected. ``KeyRouter`` decides which key means what; this decides what it does
with the view's selection, and the ``LabelingSession`` keeps the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.labeling.schema import TaskType

if TYPE_CHECKING:
    from app.ui.labeling.labeler.labeling_view import LabelingView


class ItemEdits:
    def __init__(self, view: LabelingView) -> None:
        self.view = view

    def pick(self, name: str) -> None:
        """A class key or click: label, relabel the selection, or mark the selected text."""
        view = self.view
        session = view.session
        if session is None or view.busy:
            return
        if session.task is TaskType.NER:
            start, end = view.text_view.selection()
            if start == end:
                start = end = view.text_view.caret()
            if session.label_span(start, end, name) is None and start == end:
                view.show_status("Select some text first (drag, or Shift+arrows), then press a class key.")
            else:
                view.text_view.collapse_selection()
            return
        if session.task is TaskType.IMAGE_CLASSIFICATION and not view.canvas.has_image:
            decoded = view.prefetcher.get(session.current.id) if view.prefetcher else None
            if decoded is not None and decoded.error:
                view.show_status("Nothing to label here: skip this item with → or Space.", "error")
                return
        session.pick(name)

    def accept_suggestion(self) -> None:
        """The accept key: the pre-labeler's class for this item, where it has one."""
        view = self.view
        session, proposal = view.session, view.proposal()
        if session is not None and proposal is not None and not view.busy:
            session.pick(proposal[0])

    def delete_selected(self) -> None:
        """Delete or Backspace: the selected box, the spans under the selection or caret, or the
        item's answer."""
        view = self.view
        session = view.session
        if session is None:
            return
        if session.task is TaskType.BOUNDING_BOXES:
            if session.selected_box is not None:
                session.delete_box(session.selected_box)
        elif session.task is TaskType.NER:
            start, end = view.text_view.selection()
            hits = [i for i, s in enumerate(session.answer.spans) if s.start < end and s.end > start]
            at = session.span_at(view.text_view.caret())
            for index in sorted(set(hits) or ({at} if at is not None else set()), reverse=True):
                session.delete_span(index)
        else:
            session.clear()
