"""The playground: a form for the graph's Input nodes or a chat with the agent, the streamed output
and a trace tree with timings."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTabBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import safe_json
from app.studio.chat import chat_inputs, reply_output
from app.studio.events import (
    Event,
    NodeCached,
    NodeFailed,
    NodeFinished,
    NodeSkipped,
    NodeStarted,
    NodeToken,
    RunFinished,
    RunStarted,
)
from app.studio.graph import Graph
from app.ui.studio.chat_panel import CHAT_RULE, ChatPanel
from app.ui.studio.image_field import ImageField, parse_image
from app.ui.theme import DARK, Colors
from app.ui.widgets import styled_label


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.1f} ms" if ms < 10 else f"{ms:.0f} ms"


def _preview(value: Any, limit: int = 400) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


class PlaygroundPanel(QWidget):
    run_requested = Signal()
    cancel_requested = Signal()

    FORM, CHAT = 0, 1

    def __init__(self, colors: Colors = DARK, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.mode_bar = QTabBar()
        self.mode_bar.addTab("Form")
        self.mode_bar.addTab("Chat")
        self.mode_bar.setTabToolTip(self.FORM, "Fill in the agent's inputs and run it once")
        self.mode_bar.setTabToolTip(self.CHAT, CHAT_RULE)
        self.mode_bar.setExpanding(False)
        self.mode_bar.setDrawBase(False)
        layout.addWidget(self.mode_bar)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._form_page())
        self.chat = ChatPanel(colors)
        self.chat.send_requested.connect(self.run_requested)
        self.chat.cancel_requested.connect(self.cancel_requested)
        self.pages.addWidget(self.chat)
        self.mode_bar.currentChanged.connect(self.pages.setCurrentIndex)
        layout.addWidget(self.pages, 3)
        self.status = styled_label("", "muted", wrap=True)
        layout.addWidget(self.status)
        layout.addWidget(styled_label("TRACE", "caption"))
        self.trace = QTreeWidget()
        self.trace.setHeaderLabels(["Node", "Status", "Time", "Tokens"])
        self.trace.setRootIsDecorated(True)
        for column, width in enumerate((120, 64, 64)):
            self.trace.setColumnWidth(column, width)
        layout.addWidget(self.trace, 2)
        self.inputs: dict[str, tuple[str, QWidget]] = {}
        self._specs: list[tuple[str, str, Any]] = []
        self.graph = Graph()
        self._rows: dict[str, QTreeWidgetItem] = {}
        self._streamed: set[str] = set()
        self._output_nodes: set[str] = set()
        self._chat_run = False
        self._reply: tuple[str, str] | None = None

    def _form_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(styled_label("INPUTS", "caption"))
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.form_host)
        self.no_inputs = styled_label("This agent takes no inputs.", "muted")
        layout.addWidget(self.no_inputs)
        buttons = QHBoxLayout()
        self.run_button = QPushButton("Run  (Ctrl+Enter)")
        self.run_button.setProperty("primary", True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.run_button.clicked.connect(self.run_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(styled_label("OUTPUT", "caption"))
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setPlaceholderText("Run the agent to see its output here.")
        layout.addWidget(self.output, 1)
        return page

    @property
    def chat_mode(self) -> bool:
        return self.mode_bar.currentIndex() == self.CHAT

    def set_chat_mode(self, chat: bool) -> None:
        self.mode_bar.setCurrentIndex(self.CHAT if chat else self.FORM)

    def apply_colors(self, colors: Colors) -> None:
        self.chat.apply_colors(colors)

    # the inputs form
    def set_graph(self, graph: Graph) -> None:
        """Rebuild the form from the graph's Input nodes, keeping values typed so far."""
        specs = [
            (str(n.config.get("name", "input")), str(n.config.get("type", "text")), n.config.get("default"))
            for n in graph.nodes
            if n.type == "input"
        ]
        self.graph = graph
        self._output_nodes = {n.id for n in graph.nodes if n.type == "output"}
        if specs == self._specs:
            return
        self._specs = specs
        old = {name: self._raw(widget) for name, (_kind, widget) in self.inputs.items()}
        while self.form.rowCount():
            self.form.removeRow(0)
        self.inputs = {}
        for name, kind, default in specs:
            widget: QWidget
            if kind == "bool":
                widget = QCheckBox()
                widget.setChecked(bool(old.get(name, default)))
            else:
                widget = ImageField(default) if kind == "image" else QLineEdit()
                previous = old.get(name)
                if previous is not None:
                    widget.setText(str(previous))
                elif default is not None:
                    widget.setPlaceholderText(f"default: {_preview(default, 60)}")
                widget.returnPressed.connect(self.run_requested)
            self.form.addRow(f"{name} ({kind})", widget)
            self.inputs[name] = (kind, widget)
        self.no_inputs.setVisible(not specs)

    @staticmethod
    def _raw(widget: QWidget) -> Any:
        return widget.isChecked() if isinstance(widget, QCheckBox) else widget.text()  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        """The run's inputs: the form's, and in chat mode the conversation (``app.studio.chat``).
        Raises ``ValueError`` with a message naming what is wrong."""
        if self.chat_mode:
            return chat_inputs(self.graph, self.chat.conversation, self.form_values())
        return self.form_values()

    def form_values(self) -> dict[str, Any]:
        """The typed inputs; empty fields are left out (the node's default applies). Raises
        ``ValueError`` with a message naming the field that does not parse."""
        values: dict[str, Any] = {}
        for name, (kind, widget) in self.inputs.items():
            if isinstance(widget, QCheckBox):
                values[name] = widget.isChecked()
                continue
            text = widget.text()  # type: ignore[attr-defined]
            if not text:
                continue
            try:
                if kind == "text":
                    values[name] = text
                elif kind == "image":
                    values[name] = parse_image(text)
                elif kind == "number":
                    values[name] = int(text) if text.strip().lstrip("-").isdigit() else float(text)
                else:
                    values[name] = safe_json.loads(text)
            except ValueError:
                raise ValueError(f"input {name!r} must be {kind}") from None
        return values

    # the run
    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.chat.set_running(running)

    def show_message(self, text: str) -> None:
        self.status.setText(text)

    def run_not_started(self, text: str | None) -> None:
        """The editor could not start the run asked for: say why; a chat message goes back to its box."""
        if text:
            self.status.setText(text)
        self.chat.withdraw()

    def on_event(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.output.clear()
            self.trace.clear()
            self._rows = {}
            self._streamed = set()
            self.status.setText("Running…")
            self.set_running(True)
            self._chat_run = self.chat.conversation.pending is not None
            self._reply = reply_output(self.graph)
            if self._chat_run:
                self.chat.begin_reply()
        elif isinstance(event, NodeStarted):
            self._row(event.node_id, "running")
        elif isinstance(event, NodeToken):
            if event.node_id in self._output_nodes:
                self._streamed.add(event.node_id)
                self.output.moveCursor(self.output.textCursor().MoveOperation.End)
                self.output.insertPlainText(event.text)
            if self._chat_run and self._reply is not None and event.node_id == self._reply[0]:
                self.chat.add_token(event.text)
        elif isinstance(event, NodeFinished):
            row = self._row(event.node_id, "ok", _ms(event.duration_s), str(event.tokens or ""))
            row.setToolTip(0, _preview(event.outputs))
        elif isinstance(event, NodeCached):
            self._row(event.node_id, "cached", "0 ms").setToolTip(0, _preview(event.outputs))
        elif isinstance(event, NodeFailed):
            row = self._row(event.node_id, "error", _ms(event.duration_s))
            row.setToolTip(0, event.error)
            row.setToolTip(1, event.error)
        elif isinstance(event, NodeSkipped):
            self._row(event.node_id, "skipped").setToolTip(1, event.reason)
        elif isinstance(event, RunFinished):
            self._finish(event)

    def _finish(self, event: RunFinished) -> None:
        self.set_running(False)
        lines = [
            f"{name}:\n{_preview(value, 20_000)}" if len(event.outputs) > 1 else _preview(value, 20_000)
            for name, value in event.outputs.items()
        ]
        self.output.setPlainText("\n\n".join(lines))
        done = {"ok": "Finished", "error": "Failed", "cancelled": "Cancelled"}[event.status]
        self.status.setText(f"{done}: {event.error}" if event.error and event.status != "cancelled" else done)
        if self._chat_run:
            self._chat_run = False
            self._finish_reply(event)

    def _finish_reply(self, event: RunFinished) -> None:
        reply = self._reply
        if event.status == "cancelled":
            self.chat.fail("cancelled", cancelled=True)
        elif event.status != "ok":
            self.chat.fail(event.error or "the run failed")
        elif reply is None or reply[1] not in event.outputs:
            self.chat.fail("the agent gave no reply (its first Output node did not run)")
        else:
            self.chat.finish(event.outputs[reply[1]])

    def _row(self, node_id: str, status: str, time: str = "", tokens: str = "") -> QTreeWidgetItem:
        row = self._rows.get(node_id)
        if row is None:
            parent_id, _, name = node_id.rpartition("/")
            parent = self._rows.get(parent_id) if parent_id else None
            row = QTreeWidgetItem([name or node_id, "", "", ""])
            if parent is not None:
                parent.addChild(row)
                parent.setExpanded(True)
            else:
                self.trace.addTopLevelItem(row)
            self._rows[node_id] = row
        row.setText(1, status)
        row.setText(2, time)
        row.setText(3, tokens)
        row.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return row
