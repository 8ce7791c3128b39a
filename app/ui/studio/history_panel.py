"""Run history: the latest runs from the app database; open one to read its trace, node by node.

Reads happen in a worker thread; the panel only fills the tree when they come back.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.studio.history import RunHistory
from app.ui.operations import Op, Operations
from app.ui.widgets import styled_label

RUN_ROLE = Qt.ItemDataRole.UserRole


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


class HistoryPanel(QWidget):
    def __init__(self, history: RunHistory | None, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.ops = ops
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.note: QLabel = styled_label("", "muted", wrap=True)
        layout.addWidget(self.note)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Run", "Status", "Time"])
        for column, width in enumerate((150, 64, 64)):
            self.tree.setColumnWidth(column, width)
        self.tree.itemExpanded.connect(self._expanded)
        layout.addWidget(self.tree, 1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        layout.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignLeft)
        if history is None:
            self.note.setText("Run history needs the app database, which is not open.")
            self.tree.hide()
            self.refresh_button.hide()

    def refresh(self) -> None:
        if self.history is not None:
            self.ops.run(Op("history", lambda _say: self._load(), again=True))

    async def _load(self) -> None:
        assert self.history is not None
        runs = await asyncio.to_thread(self.history.recent, 50)
        self.tree.clear()
        for run in runs:
            when = run.started_at.astimezone().strftime("%H:%M:%S")
            item = QTreeWidgetItem([f"{when}  {run.graph_name}", run.status, _ms(run.duration_s)])
            item.setData(0, RUN_ROLE, run.run_id)
            if run.error:
                item.setToolTip(1, run.error)
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            self.tree.addTopLevelItem(item)
        self.note.setText("" if runs else "No runs yet: run the agent and it shows here.")

    def _expanded(self, item: QTreeWidgetItem) -> None:
        run_id = item.data(0, RUN_ROLE)
        if run_id and self.history is not None and item.childCount() == 0:
            self.ops.run(Op(f"traces-{run_id}", lambda _say: self._load_traces(item, run_id)))

    async def _load_traces(self, item: QTreeWidgetItem, run_id: str) -> None:
        assert self.history is not None
        traces = await asyncio.to_thread(self.history.traces, run_id)
        for trace in traces:
            child = QTreeWidgetItem([trace.node_id, trace.status, _ms(trace.duration_us / 1e6)])
            child.setToolTip(0, trace.error or _short(trace.outputs))
            item.addChild(child)


def _short(raw: Any, limit: int = 400) -> str:
    text = raw if isinstance(raw, str) else json.dumps(raw)
    return text if len(text) <= limit else text[:limit] + "…"
