"""The labeling view: one claimed batch, labeled with the keyboard.

It renders a ``LabelingSession`` (the model every key ends in) and routes keys to it: class keys
label, arrows/Space/Enter move, Z undoes, B toggles the box tool, ? shows every key. The image
items come from a ``Prefetcher`` that fetched and decoded them ahead of the cursor, so "next" is
drawn from memory. Submitting is the page's business: the view asks (``submit_requested``, after
a confirmation when items are unanswered) and shows what the page reports back.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from app.labeling.schema import Item, TaskType
from app.labeling.session import LabelingSession
from app.ui.labeling.confirm import ask_submit_skipped
from app.ui.labeling.labeler.batch_done import BatchDonePage
from app.ui.labeling.labeler.batch_header import BatchHeader
from app.ui.labeling.labeler.box_tool import BoxTool
from app.ui.labeling.labeler.image_view import ImageCanvas
from app.ui.labeling.labeler.item_edits import ItemEdits
from app.ui.labeling.labeler.keyboard import KeyRouter
from app.ui.labeling.labeler.prefetch import AHEAD, Prefetcher, Proposer
from app.ui.labeling.labeler.shortcuts import Keys, ShortcutSheet, hint_line
from app.ui.labeling.labeler.side_panel import SidePanel
from app.ui.labeling.labeler.text_view import TextItemView
from app.ui.labeling.status_line import StatusLine
from app.ui.theme import Colors
from app.ui.widgets import styled_label


class LabelingView(QWidget):
    submit_requested = Signal()
    back_requested = Signal()
    next_batch_requested = Signal()

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.session: LabelingSession | None = None
        self.prefetcher: Prefetcher | None = None
        self._retired: list[Prefetcher] = []  # shut down, a fetch maybe still in flight
        self.keys: Keys | None = None
        self._busy = False
        self._shown_id: str | None = None
        self._unavailable: str | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(10)
        self.header = BatchHeader(self.back_requested.emit, self.request_submit)
        # the header's and done page's widgets the page and tests read keep their names on the view
        self.submit_button, self.subtitle = self.header.submit_button, self.header.subtitle
        self.progress_text = self.header.progress_text
        outer.addWidget(self.header)
        self.status = StatusLine(selectable=True)
        outer.addWidget(self.status)

        self.pages = QStackedWidget()
        work = QWidget()
        body = QHBoxLayout(work)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(16)
        self.content = QStackedWidget()
        self.canvas = ImageCanvas(colors)
        self.text_view = TextItemView(colors)
        self.content.addWidget(self.canvas)
        self.content.addWidget(self.text_view)
        body.addWidget(self.content, 1)
        self.side = SidePanel(colors)
        self.side.class_clicked.connect(self._class_clicked)
        self.side.accept_clicked.connect(lambda: self.edits.accept_suggestion())
        body.addWidget(self.side)
        self.pages.addWidget(work)
        self.done = BatchDonePage(self.next_batch_requested.emit, self.back_requested.emit)
        self.done_body, self.next_batch_button = self.done.body, self.done.next_button
        self.pages.addWidget(self.done)
        outer.addWidget(self.pages, 1)
        self.hint = styled_label("", "hint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.hint)

        self.sheet = ShortcutSheet(self)
        self.sheet.apply_colors(colors)
        self.sheet.closed.connect(self._focus_content)
        self.edits = ItemEdits(self)
        self.key_router = KeyRouter(self)
        for widget in (self, self.canvas, self.canvas.viewport(), self.text_view):
            widget.installEventFilter(self.key_router)
        self.canvas.zoom_changed.connect(lambda _z: self._show_item_line())
        self.text_view.cursorPositionChanged.connect(self._caret_moved)

    def apply_colors(self, colors: Colors) -> None:
        self.canvas.apply_colors(colors)
        self.text_view.apply_colors(colors)
        self.side.apply_colors(colors)
        self.sheet.apply_colors(colors)
        self._refresh()

    # -- opening a batch -------------------------------------------------------------------------

    def open(
        self,
        session: LabelingSession,
        fetch: Callable[[Item], bytes] | None,
        *,
        title: str,
        subtitle: str = "",
        expires_at: int | None = None,
        proposer: Callable[[], Proposer] | None = None,
        ahead: int = AHEAD,
        follow_on: bool = False,
    ) -> None:
        """Show ``session``'s batch; image bytes come from ``fetch`` (called in worker threads).
        ``proposer`` builds the pre-labeler (in a worker; it may raise: then suggestions hide).
        ``follow_on``: the batch follows the one shown, of the same campaign: the images already
        fetched for it (``set_upcoming``) are kept, so its first item shows at once, and the keys
        and class buttons stay (rebuilding them is most of the time a boundary would take)."""
        before = self.session
        reuse = follow_on and self.prefetcher is not None and session.task.modality == "image"
        same_keys = (
            follow_on
            and before is not None
            and (before.task, before.label_set) == (session.task, session.label_set)
        )
        self.close_batch(keep_prefetcher=reuse)
        self.session = session
        session.events.connect("changed", self._on_session)
        task = session.task
        if not same_keys:
            self._unavailable = None
        prelabel = task is TaskType.IMAGE_CLASSIFICATION and proposer is not None
        if task.modality == "image":
            if fetch is None:
                raise ValueError("an image campaign needs a way to fetch its images")
            if self.prefetcher is None:
                self.prefetcher = Prefetcher(
                    fetch, ahead=ahead, fit=self._fit_size(), proposer=proposer if prelabel else None
                )
                self.prefetcher.ready.connect(self._on_ready)
                self.prefetcher.unavailable.connect(self._suggestions_unavailable)
            self.prefetcher.set_items(session.items, keep=reuse)
            self.prefetcher.set_cursor(session.index)
            bounds = self.canvas.image.boundingRect()
            self.canvas.tool = (
                BoxTool(self.canvas, self.canvas.boxes, session, bounds)
                if task is TaskType.BOUNDING_BOXES
                else None
            )
            self.content.setCurrentWidget(self.canvas)
        else:
            self.canvas.tool = None
            self.content.setCurrentWidget(self.text_view)
        if not same_keys:
            self._set_keys(Keys.for_campaign(task, session.label_set, prelabel=prelabel))
            self.side.set_classes(session.label_set)
            self.side.suggestions_unavailable(None)
        self.side.show_box_tool(False if task is TaskType.BOUNDING_BOXES else None)
        self.header.show_batch(title, subtitle, expires_at)
        self.pages.setCurrentIndex(0)
        self._set_submitted(False)
        self.set_busy(None)
        self.show_status(
            f"Restored {session.restored} saved answer{'s' if session.restored != 1 else ''}."
            if session.restored
            else None
        )
        self._show_current()
        self._focus_content()

    def set_upcoming(self, items: list[Item]) -> None:
        """The items of the batch that comes next: fetched once the cursor nears the end of this one."""
        if self.session is not None and self.prefetcher is not None:
            self.prefetcher.set_items([*self.session.items, *items], keep=True)
            self.prefetcher.set_cursor(self.session.index)

    def close_batch(self, *, keep_prefetcher: bool = False) -> None:
        """Forget the batch (its answers are in the drafts); stops the prefetch threads unless
        ``keep_prefetcher`` (the next batch of the campaign opens in its place)."""
        if self.session is not None:
            self.session.events.disconnect("changed", self._on_session)
            self.session = None
        if self.prefetcher is not None and not keep_prefetcher:
            # no waiting on a fetch in flight (it may be on the network); it is let go once idle
            self.prefetcher.shutdown(wait=False)
            self._retired = [p for p in self._retired if not p.idle] + [self.prefetcher]
            self.prefetcher = None
        self.canvas.tool = None
        self.canvas.show_message("")
        self._shown_id = None
        self.header.stop_clock()

    def shutdown(self) -> None:
        """At quit: close the batch and wait for every worker thread."""
        self.close_batch()
        for prefetcher in self._retired:
            prefetcher.shutdown(wait=True)
        self._retired.clear()
        self.canvas.shutdown()

    def _fit_size(self) -> QSize:
        """Previews are decoded at the canvas's size (at least 1024 px, before it is laid out)."""
        ratio = self.devicePixelRatioF()
        size = self.canvas.viewport().size() * ratio
        return size.expandedTo(QSize(1024, 768))

    # -- what the page reports -------------------------------------------------------------------

    @property
    def shown_item(self) -> str | None:
        """The id of the item on screen (None while it loads)."""
        return self._shown_id

    @property
    def busy(self) -> bool:
        """While a batch is being submitted, nothing is edited."""
        return self._busy

    def set_busy(self, text: str | None) -> None:
        """While the batch is being submitted: no edits, the reason in the status line."""
        self._busy = text is not None
        self.header.set_busy(self._busy)
        self.show_status(text)  # None: the busy line goes

    def show_status(self, text: str | None, role: str = "hint") -> None:
        self.status.say(text, role)

    def show_error(self, text: str) -> None:
        self.set_busy(None)
        self.show_status(text, "error")

    def show_submitted(self, text: str, *, more: bool = True) -> None:
        """The batch is in: say so, offer the next batch (``more``: the campaign has batches left)."""
        self.set_busy(None)
        self.show_status(None)
        self.done.show_submitted(text, more=more)
        self.pages.setCurrentIndex(1)
        self.sheet.close_sheet()
        self._set_submitted(True)

    def _set_submitted(self, submitted: bool) -> None:
        """A submitted batch takes no more keys: its Submit button and key hints are off."""
        self.submit_button.setEnabled(not submitted)
        self.hint.setEnabled(not submitted)

    # -- actions ---------------------------------------------------------------------------------

    def toggle_box_tool(self) -> None:
        if self.canvas.tool is not None:
            self.side.show_box_tool(self.canvas.tool.toggle())

    def toggle_sheet(self) -> None:
        if self.sheet.isVisible():
            self.sheet.close_sheet()
        else:
            self.sheet.open()

    def request_submit(self) -> None:
        """Ctrl+Enter or the button: submit, after a confirmation if items are unanswered."""
        session = self.session
        if session is None or self._busy or self.pages.currentIndex() != 0:
            return
        missing = len(session.unanswered())
        if not missing:
            self.submit_requested.emit()
            return
        self.confirm_box = ask_submit_skipped(
            self, missing, len(session.items), self.submit_requested.emit, self._focus_content
        )

    def _class_clicked(self, name: str) -> None:
        self.edits.pick(name)
        self._focus_content()

    def _focus_content(self) -> None:
        if self.session is not None and self.pages.currentIndex() == 0:
            self.content.currentWidget().setFocus()

    # -- showing ---------------------------------------------------------------------------------

    def _on_session(self, what: str) -> None:
        session = self.session
        if session is None:
            return
        if what == "cursor":
            if self.prefetcher is not None:
                self.prefetcher.set_cursor(session.index)
            self._show_current()
            return
        if what == "saved":
            self.show_status(session.save_error, "error" if session.save_error else "hint")
            return
        if what == "done":  # the last item's key: the batch goes out and the next one opens
            self.request_submit()
            return
        self._refresh()

    def _on_ready(self, item_id: str) -> None:
        if self.session is not None and item_id == self.session.current.id:
            self._show_current()

    def _show_current(self) -> None:
        session = self.session
        if session is None:
            return
        item = session.current
        if session.task.modality == "text":
            self.text_view.show_item(item.id, item.text or "")
            self._shown_id = item.id
        else:
            decoded = self.prefetcher.get(item.id) if self.prefetcher is not None else None
            if decoded is None:
                self.canvas.show_message("Loading…")
                self._shown_id = None
            elif decoded.error:
                self.canvas.show_message(
                    f"{decoded.error}.\n\nSkip it with → or Space: it is submitted without an answer."
                )
                self._shown_id = item.id
            elif self._shown_id != item.id or not self.canvas.has_image:
                self.canvas.show_image(decoded)
                self._shown_id = item.id
        self._refresh()

    def _refresh(self) -> None:
        """Everything that depends on the current answer: overlays, side panel, progress."""
        session = self.session
        if session is None:
            return
        answer = session.answer
        tool = self.canvas.tool
        if session.task is TaskType.BOUNDING_BOXES and self.canvas.has_image and not (tool and tool.busy):
            self.canvas.boxes.show(answer.boxes, session.selected_box, session.color_of)
        if session.task is TaskType.NER:
            self._show_spans()
        self.side.show_state(
            session.task, answer, session.active_class, session.selected_box, session.current
        )
        proposal = self.proposal()
        if self.keys is not None and self.keys.accept and self._unavailable is None:
            pending = self.prefetcher is not None and self.prefetcher.get(session.current.id) is None
            text = f"{proposal[0]} · {proposal[1]:.0%}" if proposal else ("" if pending else None)
            self.side.show_suggestion(text, self.keys.accept)
        else:
            self.side.show_suggestion(None, None)
        self.header.show_progress(session.answered, len(session.items))
        self._show_item_line()

    def _show_spans(self) -> None:
        session = self.session
        assert session is not None
        colors = {c.name: c.color for c in session.label_set.classes}
        self.text_view.show_spans(session.answer.spans, colors, session.span_at(self.text_view.caret()))

    def _caret_moved(self) -> None:
        if self.session is not None and self.session.task is TaskType.NER:
            self._show_spans()

    def _show_item_line(self) -> None:
        session = self.session
        if session is None:
            return
        line = f"Item {session.index + 1} of {len(session.items)} · {session.current.id}"
        if session.task.modality == "image" and self.canvas.has_image:
            line += f" · zoom {self.canvas.zoom():.0%}"
        self.side.item.setText(line)

    def proposal(self) -> tuple[str, float] | None:
        session = self.session
        if session is None or self.prefetcher is None:
            return None
        decoded = self.prefetcher.get(session.current.id)
        proposal = decoded.proposal if decoded is not None else None
        return proposal if proposal is not None and proposal[0] in session.label_set.names else None

    def _suggestions_unavailable(self, why: str) -> None:
        self._unavailable = why
        self.side.suggestions_unavailable(why)
        if self.session is not None:  # the accept key is gone from the sheet and the hint line too
            self._set_keys(Keys.for_campaign(self.session.task, self.session.label_set, prelabel=False))
        self._refresh()

    def _set_keys(self, keys: Keys) -> None:
        self.keys = keys
        self.sheet.set_keys(keys)
        self.hint.setText(hint_line(keys))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._focus_content()  # back from another page or tab: the keys work at once

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.sheet.isVisible():
            self.sheet.setGeometry(self.rect())
        if self.prefetcher is not None:
            self.prefetcher.fit = self._fit_size()
