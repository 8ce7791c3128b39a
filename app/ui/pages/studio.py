"""Studio: the no-code agent canvas. Opens the last draft (or a starter agent) and autosaves it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.paths import AppPaths, app_paths
from app.studio.cache import OutputCache
from app.studio.executor import Executor
from app.studio.secrets import default_store
from app.ui.studio import files
from app.ui.studio.drafts import AGENT_SUFFIX, Drafts, starter_graph
from app.ui.studio.editor import StudioEditor
from app.ui.theme import Colors
from app.ui.widgets import styled_label

FILE_FILTER = f"Sahara agents (*{AGENT_SUFFIX} *.json)"


def make_executor(runtime: Any, paths: AppPaths) -> Executor:
    history = None
    sessions = getattr(runtime, "sessions", None)
    if sessions is not None:
        from app.studio.history import RunHistory

        history = RunHistory(sessions)
    return Executor(OutputCache(folder=paths.cache / "studio"), default_store(paths), history)


class StudioPage(QWidget):
    def __init__(self, colors: Colors, runtime: Any = None, paths: AppPaths | None = None) -> None:
        super().__init__()
        self.title = "Studio"
        paths = paths or getattr(runtime, "paths", None) or app_paths()
        self.drafts = Drafts(paths.data / "studio" / "drafts")
        self.editor = StudioEditor(colors, make_executor(runtime, paths), self.drafts)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(self._toolbar())
        self.message = styled_label("", "error", wrap=True)
        self.message.hide()
        layout.addWidget(self.message)
        layout.addWidget(self.editor, 1)
        latest = self.drafts.latest()
        if latest is not None:
            self.editor.load(latest[1], latest[0])
        else:
            self.editor.load(starter_graph(), None)
            self.editor.model.events.emit("changed")  # write the starter's draft at once
        self.name.setText(self.editor.model.graph.name)
        self.editor.model.events.connect("reset", self._show_name)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(styled_label("Studio", "title"))
        bar.addSpacing(12)
        self.name = QLineEdit()
        self.name.setPlaceholderText("Agent name")
        self.name.setMaximumWidth(260)
        self.name.editingFinished.connect(lambda: self.editor.model.rename(self.name.text().strip()))
        bar.addWidget(self.name)
        bar.addStretch(1)
        buttons = [
            ("New", self.new_agent, "Start a new agent (the current one stays in its draft)"),
            ("Open…", self.open_dialog, "Open or import a .sahara-agent file"),
            ("Export…", self.export_dialog, "Save the agent as a .sahara-agent file"),
            ("Undo", self.editor.undo.undo, "Ctrl+Z"),
            ("Redo", self.editor.undo.redo, "Ctrl+Shift+Z"),
            ("Fit", self.editor.view.fit, "Fit the graph in view (F)"),
        ]
        for text, slot, tip in buttons:
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            bar.addWidget(button)
        run = QPushButton("Run")
        run.setProperty("primary", True)
        run.setToolTip("Run the agent (Ctrl+Enter)")
        run.clicked.connect(lambda: self.editor.run_graph())
        bar.addWidget(run)
        return bar

    def _show_name(self) -> None:
        self.name.setText(self.editor.model.graph.name)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.editor.view.setFocus()  # Tab, F and Ctrl+Enter work as soon as the page opens

    def apply_colors(self, colors: Colors) -> None:
        self.editor.apply_colors(colors)

    def show_message(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    def new_agent(self) -> None:
        self.editor.flush()
        self.editor.load(starter_graph(), None)
        self.editor.model.events.emit("changed")
        self.show_message(None)

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open agent", str(Path.home()), FILE_FILTER)
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        async def go() -> None:
            self.show_message(await files.open_file(self.editor, path))

        self.editor.tasks.spawn(go(), name="studio-open")

    def export_dialog(self) -> None:
        suggested = str(
            Path.home() / f"{self.drafts.new_path(self.editor.model.graph.name).stem}{AGENT_SUFFIX}"
        )
        path, _ = QFileDialog.getSaveFileName(self, "Export agent", suggested, FILE_FILTER)
        if path:
            self.export_path(Path(path))

    def export_path(self, path: Path) -> None:
        async def go() -> None:
            self.show_message(await files.export_file(self.editor, path))

        self.editor.tasks.spawn(go(), name="studio-export")

    def shutdown(self) -> list:
        return self.editor.shutdown()
