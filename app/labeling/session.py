"""One labeler working through one claimed batch: the cursor, an answer per item, undo and redo.

This is the labeling view's model, with no Qt in it: every key the view handles ends in one method
here, so the whole keyboard flow is tested headless. Each edit is an ``Edit`` (the item's answer
before and after), kept on an undo stack; undo and redo jump to the item they change so the
labeler sees what came back. Every change — edits, undo, redo — is written to the draft store at
once (one SQLite row, well under a millisecond), so a killed app loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from app.events import Events
from app.labeling.schema import Annotation, Box, Item, LabelClass, LabelSet, Span, TaskType

log = logging.getLogger(__name__)

MIN_BOX_SIDE = 2.0  # pixels of the original image; a smaller drag is a click, not a box


class DraftSink(Protocol):
    """Where answers are saved as they change (``app.labeling.drafts.DraftStore``)."""

    def save(self, annotation: Annotation) -> None: ...

    def load_all(self) -> dict[str, Annotation]: ...


@dataclass(frozen=True)
class Edit:
    """One undoable change of one item's answer."""

    item_id: str
    before: Annotation
    after: Annotation
    text: str


class LabelingSession:
    """The answers to a batch's items, the cursor over them and the edit history.

    ``auto_advance``: a classification pick moves to the next item (Prodigy's one key per answer).
    Drafts found in ``drafts`` for these items are restored and the cursor starts at the first item
    without an answer.
    """

    def __init__(
        self,
        task: TaskType,
        label_set: LabelSet,
        items: list[Item],
        drafts: DraftSink | None = None,
        *,
        auto_advance: bool = True,
        prelabels: Mapping[str, Annotation] | None = None,
    ) -> None:
        if not items:
            raise ValueError("a labeling session needs at least one item")
        self.task = task
        self.label_set = label_set
        self.items = list(items)
        self.auto_advance = auto_advance
        self._drafts = drafts
        self._positions = {item.id: i for i, item in enumerate(self.items)}
        self._answers = {item.id: Annotation(item_id=item.id) for item in self.items}
        for item_id, start in (prelabels or {}).items():  # the requester's starting answers
            if item_id in self._answers and start.item_id == item_id:
                self._answers[item_id] = self._known_labels_only(start)
        self.restored = 0
        drafted: set[str] = set()
        if drafts is not None:
            for item_id, draft in drafts.load_all().items():
                if item_id in self._answers and draft.item_id == item_id:
                    self._answers[item_id] = self._known_labels_only(draft)
                    self.restored += 1
                    drafted.add(item_id)
        self._answered = sum(not a.empty for a in self._answers.values())  # kept up to date per edit
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []
        # "changed" (what): "cursor", "answer", "selection", "class", "saved", or "done" (a class key
        # answered the last item and every item has an answer: the labeler moves on to the next batch)
        self.events = Events("changed")
        # the first item the labeler has not answered (a pre-label is a starting answer to review)
        self.index = next(
            (i for i, it in enumerate(self.items) if it.id not in drafted or self._answers[it.id].empty), 0
        )
        self.active_class: str = label_set.classes[0].name
        self.selected_box: int | None = None
        self.save_error: str | None = None  # the last failed draft save, until one succeeds

    # -- events ----------------------------------------------------------------------------------

    def _emit(self, what: str) -> None:
        self.events.emit("changed", what)

    # -- reading ---------------------------------------------------------------------------------

    @property
    def current(self) -> Item:
        return self.items[self.index]

    @property
    def answer(self) -> Annotation:
        """The current item's answer."""
        return self._answers[self.current.id]

    def answer_of(self, item_id: str) -> Annotation:
        return self._answers[item_id]

    def answers(self) -> list[Annotation]:
        """Every item's answer in batch order (empty ones are skipped items)."""
        return [self._answers[item.id] for item in self.items]

    @property
    def answered(self) -> int:
        return self._answered

    @property
    def complete(self) -> bool:
        """Every item has an answer: the batch can be submitted without skipping any."""
        return self.answered == len(self.items)

    def unanswered(self) -> list[int]:
        return [i for i, item in enumerate(self.items) if self._answers[item.id].empty]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def class_for_key(self, key: str) -> LabelClass | None:
        """The class a typed character picks (hotkeys are lower-case; Shift does not change it)."""
        return self.label_set.by_hotkey(key) if key else None

    def color_of(self, label: str) -> str:
        return next((c.color for c in self.label_set.classes if c.name == label), "#888888")

    # -- moving ----------------------------------------------------------------------------------

    def go_to(self, index: int) -> bool:
        """Move the cursor; returns whether it moved (it stays inside the batch)."""
        index = max(0, min(len(self.items) - 1, index))
        if index == self.index:
            return False
        self.index = index
        self.selected_box = None
        self._emit("cursor")
        return True

    def next(self) -> bool:
        return self.go_to(self.index + 1)

    def previous(self) -> bool:
        return self.go_to(self.index - 1)

    def next_unanswered(self) -> bool:
        """Jump to the first unanswered item after the cursor (wrapping); False when all are answered."""
        order = [*range(self.index + 1, len(self.items)), *range(0, self.index + 1)]
        target = next((i for i in order if self._answers[self.items[i].id].empty), None)
        return target is not None and (target == self.index or self.go_to(target))

    # -- editing ---------------------------------------------------------------------------------

    def pick(self, name: str) -> None:
        """What a class key does: classify (then advance), relabel the selected box, or choose the
        class new boxes get. NER spans go through ``label_span`` (they need the text selection)."""
        self._require_class(name)
        if self.task in (TaskType.IMAGE_CLASSIFICATION, TaskType.TEXT_CLASSIFICATION):
            if self.answer.label != name:
                self._apply(self.answer.model_copy(update={"label": name}), f"Label {name}")
            if self.auto_advance and not self.next() and self.complete:
                self._emit("done")  # the last item answered and none left open: the batch is finished
            return
        if self.task is TaskType.BOUNDING_BOXES and self.selected_box is not None:
            self.relabel_box(self.selected_box, name)
        self.set_active_class(name)

    def set_active_class(self, name: str) -> None:
        self._require_class(name)
        if name != self.active_class:
            self.active_class = name
            self._emit("class")

    def clear(self) -> None:
        """Remove the current item's answer (one undoable edit)."""
        if not self.answer.empty:
            self.selected_box = None
            self._apply(Annotation(item_id=self.current.id), "Clear")

    # boxes

    def add_box(self, x: float, y: float, w: float, h: float, label: str | None = None) -> int | None:
        """Add a box (normalised so w, h > 0) with ``label`` or the active class; selects it and
        returns its index, or None for a drag too small to be a box."""
        box = self._box(x, y, w, h, label or self.active_class)
        if box is None:
            return None
        boxes = [*self.answer.boxes, box]
        self._apply(self.answer.model_copy(update={"boxes": boxes}), f"Draw {box.label}")
        self.selected_box = len(boxes) - 1
        self._emit("selection")
        return self.selected_box

    def move_box(self, index: int, x: float, y: float, w: float, h: float) -> None:
        """Move or resize box ``index`` (one edit per finished drag)."""
        old = self.answer.boxes[index]
        box = self._box(x, y, w, h, old.label)
        if box is None or box == old:
            return
        self._replace_box(index, box, "Move box")

    def relabel_box(self, index: int, name: str) -> None:
        self._require_class(name)
        old = self.answer.boxes[index]
        if old.label != name:
            self._replace_box(index, old.model_copy(update={"label": name}), f"Relabel as {name}")

    def delete_box(self, index: int) -> None:
        boxes = list(self.answer.boxes)
        removed = boxes.pop(index)
        self.selected_box = None
        self._apply(self.answer.model_copy(update={"boxes": boxes}), f"Delete {removed.label}")
        self._emit("selection")

    def select_box(self, index: int | None) -> None:
        if index is not None and not 0 <= index < len(self.answer.boxes):
            index = None
        if index != self.selected_box:
            self.selected_box = index
            self._emit("selection")

    def _replace_box(self, index: int, box: Box, text: str) -> None:
        boxes = list(self.answer.boxes)
        boxes[index] = box
        self._apply(self.answer.model_copy(update={"boxes": boxes}), text)

    @staticmethod
    def _box(x: float, y: float, w: float, h: float, label: str) -> Box | None:
        x0, x1 = sorted((x, x + w))
        y0, y1 = sorted((y, y + h))
        x0, y0 = max(0.0, x0), max(0.0, y0)  # the view clamps the far sides: it knows the image size
        if x1 - x0 < MIN_BOX_SIDE or y1 - y0 < MIN_BOX_SIDE:
            return None
        return Box(x=x0, y=y0, w=x1 - x0, h=y1 - y0, label=label)

    # spans

    def label_span(self, start: int, end: int, name: str) -> int | None:
        """Make ``text[start:end]`` (whitespace at the edges trimmed) a span of ``name``; spans it
        overlaps are replaced. With an empty range, relabels the span at ``start`` instead.
        Returns the span's index, or None when nothing was labeled."""
        self._require_class(name)
        text = self.current.text or ""
        start, end = max(0, min(start, end)), min(len(text), max(start, end))
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            at = self.span_at(start)
            if at is not None:
                self.relabel_span(at, name)
            return at
        kept = [s for s in self.answer.spans if s.end <= start or s.start >= end]
        spans = sorted([*kept, Span(start=start, end=end, label=name)], key=lambda s: (s.start, s.end))
        self._apply(self.answer.model_copy(update={"spans": spans}), f"Mark {text[start:end]!r} as {name}")
        return next(i for i, s in enumerate(spans) if (s.start, s.end) == (start, end))

    def span_at(self, position: int) -> int | None:
        """The span containing character ``position`` (its end counts, so a caret right after a
        word still finds it)."""
        return next((i for i, s in enumerate(self.answer.spans) if s.start <= position <= s.end), None)

    def relabel_span(self, index: int, name: str) -> None:
        old = self.answer.spans[index]
        if old.label != name:
            spans = list(self.answer.spans)
            spans[index] = old.model_copy(update={"label": name})
            self._apply(self.answer.model_copy(update={"spans": spans}), f"Relabel as {name}")

    def delete_span(self, index: int) -> None:
        spans = list(self.answer.spans)
        spans.pop(index)
        self._apply(self.answer.model_copy(update={"spans": spans}), "Delete span")

    # -- history ---------------------------------------------------------------------------------

    def undo(self) -> Edit | None:
        """Take back the last edit (on whichever item it was), moving the cursor there."""
        if not self._undo:
            return None
        edit = self._undo.pop()
        self._redo.append(edit)
        self._restore(edit.item_id, edit.before)
        return edit

    def redo(self) -> Edit | None:
        if not self._redo:
            return None
        edit = self._redo.pop()
        self._undo.append(edit)
        self._restore(edit.item_id, edit.after)
        return edit

    def _restore(self, item_id: str, answer: Annotation) -> None:
        self.go_to(self._positions[item_id])
        self.selected_box = None
        self._set(answer)
        self._save(answer)
        self._emit("answer")

    def _apply(self, after: Annotation, text: str) -> None:
        before = self.answer
        if after == before:
            return
        self._undo.append(Edit(before.item_id, before, after, text))
        self._redo.clear()
        self._set(after)
        self._save(after)
        self._emit("answer")

    def _set(self, answer: Annotation) -> None:
        before = self._answers[answer.item_id]
        self._answered += int(not answer.empty) - int(not before.empty)
        self._answers[answer.item_id] = answer

    def _save(self, answer: Annotation) -> None:
        if self._drafts is None:
            return
        try:
            self._drafts.save(answer)
        except (SQLAlchemyError, OSError) as exc:  # the answer stays in memory; the view says so
            log.error("saving the draft of %s failed: %s", answer.item_id, exc)
            self.save_error = f"Your last answer could not be saved to disk ({exc}). It is kept in memory."
            self._emit("saved")
            return
        if self.save_error is not None:
            self.save_error = None
            self._emit("saved")

    def _require_class(self, name: str) -> None:
        if name not in self.label_set.names:
            raise ValueError(f"{name!r} is not one of this campaign's classes")

    def _known_labels_only(self, draft: Annotation) -> Annotation:
        """A draft whose labels are all in the label set (one saved under an older set keeps only
        what still exists)."""
        names = set(self.label_set.names)
        if draft.labels_used() <= names:
            return draft
        return draft.model_copy(
            update={
                "label": draft.label if draft.label in names else None,
                "boxes": [b for b in draft.boxes if b.label in names],
                "spans": [s for s in draft.spans if s.label in names],
            }
        )


def hotkey_text(classes: Iterable[LabelClass]) -> str:
    """``"1–9, 0"``-style summary of the hotkeys in use, for the hint line."""
    keys = "".join(c.hotkey for c in classes if c.hotkey)
    if len(keys) > 2 and "1234567890".startswith(keys):
        return "1–9, 0" if len(keys) == 10 else f"1–{keys[-1]}"
    if len(keys) > 2 and "0123456789".startswith(keys):
        return f"0–{keys[-1]}"
    return ", ".join(k.upper() for k in keys[:6]) + ("…" if len(keys) > 6 else "")
