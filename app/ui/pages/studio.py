"""Studio: the no-code agent canvas. Opens the last draft and autosaves it; the first time, it offers
the template gallery. Save (Ctrl+S) writes to the file the agent came from (Save as… otherwise),
and that file is remembered with the draft, so after a restart Save writes there again and
"unsaved changes" compares with it; New and Open ask before replacing changes that are not saved to
a file (Save / Discard / Cancel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.paths import AppPaths, app_paths
from app.studio.cache import OutputCache
from app.studio.document import GraphFileError, load_graph
from app.studio.executor import Executor
from app.studio.graph import Graph
from app.studio.secrets import default_store
from app.ui.operations import Op
from app.ui.studio import files
from app.ui.studio.drafts import AGENT_SUFFIX, Drafts, SavedFiles, starter_graph
from app.ui.studio.editor import StudioEditor
from app.ui.studio.gallery import TemplateGallery
from app.ui.theme import Colors
from app.ui.widgets import styled_label

NARROW_PAGE = 900  # below this page width the toolbar needs the title's room
FILE_FILTER = f"Sahara agents (*{AGENT_SUFFIX} *.json)"


def make_executor(runtime: Any, paths: AppPaths) -> Executor:
    history = None
    sessions = getattr(runtime, "sessions", None)
    if sessions is not None:
        from app.studio.history import RunHistory

        history = RunHistory(sessions)
    return Executor(OutputCache(folder=paths.cache / "studio"), default_store(paths), history)


def _tool_button(text: str, tip: str) -> QToolButton:
    """A toolbar button as wide as its text (push buttons keep an 80 px minimum that a 960 px
    window cannot afford a dozen times)."""
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setProperty("role", "tool")
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class StudioPage(QWidget):
    def __init__(self, colors: Colors, runtime: Any = None, paths: AppPaths | None = None) -> None:
        super().__init__()
        self.title = "Studio"
        paths = paths or getattr(runtime, "paths", None) or app_paths()
        self.drafts = Drafts(paths.data / "studio" / "drafts")
        self.saved_files = SavedFiles(paths.data / "studio" / "saved_files.json")
        self.editor = StudioEditor(colors, make_executor(runtime, paths), self.drafts)
        self.source: Path | None = None  # the file Save writes to; None: Save asks where
        self.saved = Graph()  # the agent as last opened or saved: what "unsaved changes" compares to
        self.gallery: TemplateGallery | None = None
        self._document = 0  # counts agents put on the canvas: a save finishing late knows its own
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addLayout(self._toolbar())
        self.message = styled_label("", "error", wrap=True)
        self.message.hide()
        layout.addWidget(self.message)
        layout.addWidget(self.editor, 1)
        latest = self.drafts.latest()
        self._offer_gallery = latest is None  # the first open: a newcomer picks a template
        if latest is not None:
            self.editor.load(latest[1], latest[0])
            self.saved = latest[1].model_copy(deep=True)
            self._reopen_saved_file(latest[0])
        else:
            self.start_agent(starter_graph())
        self._build_shortcuts()
        self.name.setText(self.editor.model.graph.name)
        self.editor.model.events.connect("reset", self._show_name)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _reopen_saved_file(self, draft: Path) -> None:
        """After a restart: Save writes to the file the draft was last saved to, and the changes
        made since are the unsaved ones. A file that is gone or damaged is said, and forgotten."""
        source = self.saved_files.get(draft)
        if source is None:
            return
        try:
            self.saved = load_graph(source)  # one small JSON file, read as the draft was
        except GraphFileError as exc:
            self.saved_files.remember(draft, None)
            self.show_message(f"“{self.editor.model.graph.name}” was saved to a file that cannot be read "
                              f"any more ({exc}); Save asks where to save it.")  # fmt: skip
            return
        self.source = source

    def _bind_source(self, source: Path | None) -> None:
        """``source`` is where Save writes the agent on the canvas, now and after a restart."""
        self.source = source
        if self.editor.draft_path is not None:
            self.saved_files.remember(self.editor.draft_path, source)

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.title_label = styled_label("Studio", "title")
        # Its width never holds the page wide: resizeEvent hides it on a narrow page, which the
        # page could not become if the title counted towards its minimum (the app's stylesheet
        # made the toolbar 759 px with it, 15 more than a 960 px window leaves the page). A set
        # minimum of 1 px replaces the text's; an ignored size policy would give it no room at all.
        self.title_label.setMinimumWidth(1)
        bar.addWidget(self.title_label)
        bar.addSpacing(12)
        self.name = QLineEdit()
        self.name.setPlaceholderText("Agent name")
        self.name.setMaximumWidth(220)
        self.name.setMinimumWidth(90)
        self.name.editingFinished.connect(lambda: self.editor.model.rename(self.name.text().strip()))
        bar.addWidget(self.name)
        self.nodes_button = self._toggle(
            "Nodes", self.editor.panes.toggle_palette, "Show the node list (Ctrl+B)"
        )
        bar.addWidget(self.nodes_button)
        bar.addStretch(1)
        self.file_button = _tool_button("File ▾", "New, Open, Save, Save as")
        self.file_button.setMenu(self._file_menu())
        self.file_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        bar.addWidget(self.file_button)
        buttons = [  # Save is in the File menu and on Ctrl+S: the toolbar must fit a 960 px window
            ("Undo", self.editor.undo.undo, "Ctrl+Z"),
            ("Redo", self.editor.undo.redo, "Ctrl+Shift+Z"),
            ("−", lambda: self.editor.view.zoom_step(-1), "Zoom out (Ctrl+-)"),
            ("Fit", self.editor.view.fit, "Fit the graph in view (F)"),
            ("+", lambda: self.editor.view.zoom_step(1), "Zoom in (Ctrl+=)"),
        ]
        for text, slot, tip in buttons:
            button = _tool_button(text, tip)
            button.clicked.connect(slot)
            bar.addWidget(button)
        self.panel_button = self._toggle(
            "Panel", self.editor.panes.toggle_side, "Show the inspector (Ctrl+I)"
        )
        bar.addWidget(self.panel_button)
        self.editor.panes.toggled.connect(self._panes_toggled)
        run = QPushButton("Run")
        run.setProperty("primary", True)
        run.setToolTip("Run the agent (Ctrl+Enter)")
        run.clicked.connect(lambda: self.editor.run_graph())
        bar.addWidget(run)
        return bar

    def _file_menu(self) -> QMenu:
        menu = QMenu(self)
        for text, slot, keys in (
            ("New…", self.new_agent, QKeySequence.StandardKey.New),
            ("Open…", self.open_dialog, QKeySequence.StandardKey.Open),
            ("Save", self.save, QKeySequence.StandardKey.Save),
            ("Save as…", self.save_as_dialog, None),
        ):
            action = menu.addAction(text)
            action.triggered.connect(slot)
            if keys is not None:  # shown in the menu; the page's own actions carry the keys
                action.setShortcut(QKeySequence(keys))
                action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        return menu

    def _toggle(self, text: str, slot: object, tip: str) -> QToolButton:
        button = _tool_button(text, tip)
        button.setCheckable(True)
        button.clicked.connect(slot)
        return button

    def _panes_toggled(self) -> None:
        self.nodes_button.setChecked(self.editor.panes.palette_open())
        self.panel_button.setChecked(self.editor.panes.side_open())

    def _build_shortcuts(self) -> None:
        for keys, slot in (
            (QKeySequence.StandardKey.Open, self.open_dialog),
            (QKeySequence.StandardKey.Save, self.save),
            (QKeySequence.StandardKey.New, self.new_agent),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    def _show_name(self) -> None:
        self.name.setText(self.editor.model.graph.name)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.title_label.setVisible(self.width() >= NARROW_PAGE)  # the sidebar names the page too

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.editor.view.setFocus()  # Tab, F and Ctrl+Enter work as soon as the page opens
        if self._offer_gallery:
            self._offer_gallery = False
            QTimer.singleShot(0, self.show_gallery)

    def apply_colors(self, colors: Colors) -> None:
        self.editor.apply_colors(colors)

    def show_message(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    # documents
    def dirty(self) -> bool:
        """Whether the agent differs from what was last opened or saved to a file."""
        return self.editor.model.graph != self.saved

    def ask_unsaved(self) -> str:
        """Save, Discard or Cancel: what to do with changes not yet saved to a file."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Unsaved changes")
        box.setText(f"Save the changes to “{self.editor.model.graph.name}” first?")
        box.setInformativeText("Discarded changes stay in the studio's draft of this agent.")
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        box.deleteLater()
        return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(
            QMessageBox.StandardButton(answer), "cancel"
        )

    def may_replace(self) -> bool:
        """Ask before the open agent is replaced; True when it may be (saved, discarded or clean)."""
        if not self.dirty():
            return True
        answer = self.ask_unsaved()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def start_agent(self, graph: Graph, source: Path | None = None) -> None:
        """Put ``graph`` on the canvas as a new draft; ``source`` is where Save writes it."""
        self.editor.flush()
        self.editor.load(graph, None)
        self.editor.model.events.emit("changed")  # write the new draft at once
        self._document += 1
        self._bind_source(source)
        self.saved = graph.model_copy(deep=True)
        self.show_message(None)

    def new_agent(self) -> None:
        if self.may_replace():
            self.show_gallery()

    def show_gallery(self) -> TemplateGallery:
        """The templates (and an empty canvas) to start from, as a window over the studio."""
        if self.gallery is None:
            self.gallery = TemplateGallery(self)
            self.gallery.chosen.connect(self.start_agent)
        self.gallery.open()
        return self.gallery

    def open_dialog(self) -> None:
        if not self.may_replace():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open agent", str(Path.home()), FILE_FILTER)
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        async def go() -> None:
            before = self.editor.model.graph
            message = await files.open_file(self.editor, path)
            if self.editor.model.graph is not before:  # it opened (perhaps with a warning)
                self._document += 1
                self._bind_source(path)
                self.saved = self.editor.model.graph.model_copy(deep=True)
            self.show_message(message)

        self.editor.ops.run(Op("open", lambda _say: go()))

    def save(self) -> bool:
        """Ctrl+S: write to the file the agent came from; Save as… when it has none yet.
        Returns whether a save was started (False: the user cancelled the file dialog)."""
        if self.source is None:
            return self.save_as_dialog()
        self.export_path(self.source)
        return True

    def save_as_dialog(self) -> bool:
        suggested = str(
            Path.home() / f"{self.drafts.new_path(self.editor.model.graph.name).stem}{AGENT_SUFFIX}"
        )
        path, _ = QFileDialog.getSaveFileName(self, "Save agent as", suggested, FILE_FILTER)
        if path:
            self.export_path(Path(path))
        return bool(path)

    def export_path(self, path: Path) -> None:
        """Write the agent to ``path``; it becomes the file Save writes to."""
        path = files.agent_path(path)
        graph = self.editor.model.graph.model_copy(deep=True)
        document = self._document

        async def go() -> None:
            error = await files.export_file(self.editor, path, graph)
            if error is None and document == self._document:  # not if New replaced it meanwhile
                self._bind_source(path)
                self.saved = graph
            self.show_message(error)

        self.editor.ops.run(Op("save", lambda _say: go(), again=True))

    def shutdown(self) -> list:
        return self.editor.shutdown()
