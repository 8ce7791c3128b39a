"""The studio editor: palette, canvas, inspector and playground around one ``GraphModel``.

Every edit is an undo command (``app.studio.edits``) on the core's ``UndoStack``, applied to the
Qt-free ``GraphModel`` whose events the canvas and inspector follow; every model change revalidates
the graph (issues outline their nodes) and schedules an autosave of the draft, written off the GUI
thread.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from app.studio import registry
from app.studio.document import save_graph
from app.studio.edits import (
    AddItemsCommand,
    ConnectCommand,
    MoveNodesCommand,
    RemoveItemsCommand,
    ReplaceGraphCommand,
    SettingsCommand,
)
from app.studio.executor import Executor, GraphInvalid
from app.studio.graph import Edge, Graph, Node, Position
from app.studio.graph_model import GraphModel, default_config
from app.studio.undo import UndoStack
from app.studio.validate import validate
from app.studio.versions import VersionStore
from app.ui.operations import Op, Operations
from app.ui.studio.drafts import Drafts
from app.ui.studio.history_panel import HistoryPanel
from app.ui.studio.inspector import InspectorPanel
from app.ui.studio.items import NODE_WIDTH
from app.ui.studio.local_llm import LocalModels, graph_needs_bundled
from app.ui.studio.menus import canvas_menu
from app.ui.studio.minimap import Minimap
from app.ui.studio.palette import NodePalette, QuickAddPopup
from app.ui.studio.panes import StudioPanes
from app.ui.studio.playground import PlaygroundPanel
from app.ui.studio.runner import RunController
from app.ui.studio.scene import StudioScene
from app.ui.studio.selection_edits import SelectionEdits
from app.ui.studio.versions_panel import VersionsPanel
from app.ui.studio.view import CanvasView
from app.ui.theme import Colors

log = logging.getLogger(__name__)
AUTOSAVE_DELAY_MS = 200


class StudioEditor(SelectionEdits, QWidget):
    def __init__(
        self, colors: Colors, executor: Executor, drafts: Drafts, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.drafts = drafts
        self.draft_path: Path | None = None
        self.ops = Operations(name="studio", parent=self)
        self.model = GraphModel()
        self.undo = UndoStack()
        self.scene = StudioScene(self.model, colors)
        self.scene.setParent(self)
        self.view = CanvasView(self.scene)
        self.palette = NodePalette()
        self.quick_add = QuickAddPopup(self.view)
        self.minimap = Minimap(self.view, self.scene)
        self.view.resized.connect(self.minimap.place)
        self.view.context_menu_requested.connect(self._context_menu)
        self._quick_add_at = QPointF()
        self.local_models = LocalModels(self.ops, self)
        self.inspector = InspectorPanel(self.model, self.local_models)
        self.playground = PlaygroundPanel(colors)
        self.runner = RunController(executor, self.ops, self)
        self.history = HistoryPanel(executor.history, self.ops)
        self.versions = VersionsPanel(
            VersionStore(drafts.folder.parent / "versions"),
            self.ops,
            lambda: self.draft_path.stem if self.draft_path is not None else None,
            lambda: self.model.graph,
        )
        self.issues: dict[str, list[str]] = {}
        self._build_layout()
        self._build_actions()
        self._validate_timer = self._single_shot(0, self.revalidate)
        self._save_timer = self._single_shot(AUTOSAVE_DELAY_MS, self._autosave)
        self._wire()

    def _single_shot(self, ms: int, slot: object) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    def _build_layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.side = QTabWidget()
        self.side.setObjectName("StudioSide")
        self.side.addTab(self.inspector, "Inspector")
        self.side.addTab(self.playground, "Playground")
        self.side.addTab(self.history, "History")
        self.side.addTab(self.versions, "Versions")
        self.side.currentChanged.connect(self._side_changed)
        self.panes = StudioPanes(self.palette, self.view, self.side)
        layout.addWidget(self.panes, 1)

    def show_side(self, widget: QWidget) -> None:
        """Bring a side tab to the front, opening the side panel when it is collapsed."""
        self.side.setCurrentWidget(widget)
        if not self.panes.side_open():
            self.panes.set_open(2, True)

    def _side_changed(self, index: int) -> None:
        widget = self.side.widget(index)
        if widget is self.history:
            self.history.refresh()
        elif widget is self.versions:
            self.versions.refresh()

    def _action(self, text: str, keys: list[QKeySequence | str], slot: object) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.undo_action = self._action("Undo", [QKeySequence(QKeySequence.StandardKey.Undo)], self.undo.undo)
        self.redo_action = self._action("Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], self.undo.redo)
        self.undo.events.connect("changed", self._undo_changed)
        self._undo_changed()
        self.copy_action = self._action("Copy", ["Ctrl+C"], self.copy_selection)
        self.paste_action = self._action("Paste", ["Ctrl+V"], self.paste)
        self.duplicate_action = self._action("Duplicate", ["Ctrl+D"], self.duplicate)
        self.delete_action = self._action("Delete", ["Delete", "Backspace"], self.delete_selection)
        self.select_all_action = self._action("Select all", ["Ctrl+A"], self._select_all)
        self.run_action = self._action("Run", ["Ctrl+Return", "Ctrl+Enter"], lambda: self.run_graph())
        self.run_node_action = self._action("Run selected node", ["Ctrl+Shift+Return"], self.run_selected)
        self.group_action = self._action("Group", ["Ctrl+G"], self.group_selection)
        self.ungroup_action = self._action("Ungroup", ["Ctrl+Shift+G"], self.ungroup_selection)
        self.rename_action = self._action("Rename", ["F2"], self.rename_selection)
        self.fit_action = self._action("Fit view  (F)", [], self.view.fit)
        self.zoom_in_action = self._action("Zoom in", ["Ctrl+=", "Ctrl++"], lambda: self.view.zoom_step(1))
        self.zoom_out_action = self._action("Zoom out", ["Ctrl+-"], lambda: self.view.zoom_step(-1))
        self.zoom_reset_action = self._action("Actual size", ["Ctrl+0"], self.view.reset_zoom)
        self.palette_action = self._action("Show nodes", ["Ctrl+B"], self.panes.toggle_palette)
        self.side_action = self._action("Show panel", ["Ctrl+I"], self.panes.toggle_side)
        self.save_version_action = self._action("Save version…", ["Ctrl+Shift+S"], self.save_version)

    def _undo_changed(self) -> None:
        """Name what Undo and Redo would do ("Undo Move node"), and grey out what cannot be done."""
        self.undo_action.setText(f"Undo {self.undo.undo_text}".strip())
        self.undo_action.setEnabled(self.undo.can_undo)
        self.redo_action.setText(f"Redo {self.undo.redo_text}".strip())
        self.redo_action.setEnabled(self.undo.can_redo)

    def _wire(self) -> None:
        self.scene.connect_requested.connect(self.connect_ports)
        self.scene.group_title_edit_requested.connect(self.edit_group_title)
        self.scene.nodes_moved.connect(lambda moves: self.undo.push(MoveNodesCommand(self.model, moves)))
        self.scene.selectionChanged.connect(self._selection_changed)
        self.view.drop_requested.connect(self.add_node)
        self.view.quick_add_requested.connect(self.open_quick_add)
        self.palette.chosen.connect(
            lambda t: self.add_node(t, self.view.mapToScene(self.view.viewport().rect().center()))
        )
        self.quick_add.palette_widget.chosen.connect(self._quick_add_chosen)
        self.inspector.settings_edited.connect(self._settings_edited)
        self.playground.run_requested.connect(lambda: self.run_graph())
        self.playground.cancel_requested.connect(self.runner.cancel)
        self.runner.event.connect(self.scene.show_run_event)
        self.runner.event.connect(self.playground.on_event)
        self.runner.running.connect(self.playground.set_running)
        self.versions.restore_requested.connect(self.restore_version)
        self.model.events.connect("changed", self._validate_timer.start)
        self.model.events.connect("changed", self._save_timer.start)

    # documents
    def load(self, graph: Graph, draft_path: Path | None) -> None:
        """Edit ``graph``; autosaves go to ``draft_path`` (a fresh draft file when None)."""
        self.draft_path = draft_path or self.drafts.new_path(graph.name)
        self.model.set_graph(graph)
        self.undo.clear()
        self._save_timer.stop()
        self.view.request_fit()
        self.versions.clear()
        if self.side.currentWidget() is self.versions:
            self.versions.refresh()

    def apply_colors(self, colors: Colors) -> None:
        self.scene.apply_colors(colors)
        self.playground.apply_colors(colors)

    def save_version(self) -> None:
        """Ask for a name and keep a snapshot of the agent under it (the Versions tab lists them)."""
        self.show_side(self.versions)
        self.versions.ask_name()

    def restore_version(self, graph: Graph, name: str) -> None:
        self.undo.push(ReplaceGraphCommand(self.model, graph, f"Restore {name}"))

    # edits
    def add_node(self, type_name: str, pos: QPointF) -> str | None:
        node_type = registry.get(type_name)
        if node_type is None:
            return None
        node_id = self.model.new_id(type_name.replace("_", ""))
        defaults = default_config(node_type)
        position = Position(x=round(pos.x() - NODE_WIDTH / 2), y=round(pos.y() - 20))
        node = Node(id=node_id, type=type_name, position=position, config=defaults)
        self.undo.push(AddItemsCommand(self.model, [node], [], f"Add {node_type.title}"))
        self.scene.clearSelection()
        self.scene.nodes[node_id].setSelected(True)
        return node_id

    def connect_ports(
        self, source: str, source_port: str, target: str, target_port: str, join: bool = False
    ) -> None:
        """Wire an output to an input; ``join`` keeps the input's other wires (see the scene)."""
        existing = [e for e in self.model.graph.edges if (e.target, e.target_port) == (target, target_port)]
        if any((e.source, e.source_port) == (source, source_port) for e in existing):
            return
        edge = Edge(
            id=self.model.new_id("edge"),
            source=source,
            source_port=source_port,
            target=target,
            target_port=target_port,
        )
        self.undo.push(ConnectCommand(self.model, edge, join=join and bool(existing)))

    def delete_selection(self) -> None:
        nodes, edges = self.scene.selected_ids()
        if nodes or edges:
            self.undo.push(RemoveItemsCommand(self.model, nodes, edges))

    def _context_menu(self, scene_pos: QPointF, global_pos: QPoint) -> None:
        menu = canvas_menu(self, scene_pos)
        menu.exec(global_pos)
        menu.deleteLater()

    def _settings_edited(self, node_id: str, config: dict, title: str) -> None:
        node = self.model.node(node_id)
        if node is not None:
            before = (dict(node.config), node.title)
            self.undo.push(SettingsCommand(self.model, node_id, before, (config, title)))

    def _select_all(self) -> None:
        for item in self.scene.nodes.values():
            item.setSelected(True)

    def _selection_changed(self) -> None:
        nodes, _edges = self.scene.selected_ids()
        self.inspector.show_node(next(iter(nodes)) if len(nodes) == 1 else None)
        if len(nodes) == 1:
            self.side.setCurrentWidget(self.inspector)

    def open_quick_add(self, scene_pos: QPointF) -> None:
        self._quick_add_at = scene_pos
        at = self.view.mapFromScene(scene_pos)
        popup = self.quick_add
        x = max(0, min(at.x(), self.view.width() - popup.width()))
        y = max(0, min(at.y(), self.view.height() - popup.height()))
        popup.move(x, y)
        popup.show()
        popup.raise_()
        popup.palette_widget.reset()

    def _quick_add_chosen(self, type_name: str) -> None:
        self.quick_add.hide()
        self.add_node(type_name, self._quick_add_at)
        self.view.setFocus()

    # validation and autosave
    def revalidate(self) -> None:
        issues: dict[str, list[str]] = {}
        for issue in validate(self.model.graph):
            if issue.node_id is not None:
                issues.setdefault(issue.node_id, []).append(issue.message)
        self.issues = issues
        self.scene.set_issues(issues)
        self.playground.set_graph(self.model.graph)

    def _autosave(self) -> None:
        if self.draft_path is None:
            return
        text_path, graph = self.draft_path, self.model.graph.model_copy(deep=True)
        self.ops.run(Op("autosave", lambda _say: asyncio.to_thread(save_graph, text_path, graph), again=True))

    def flush(self) -> None:
        """Write a pending autosave now (on close); small enough to do on the spot."""
        if self._save_timer.isActive() and self.draft_path is not None:
            self._save_timer.stop()
            save_graph(self.draft_path, self.model.graph)

    # runs
    def run_graph(self, node: str | None = None) -> None:
        self.revalidate()
        self.show_side(self.playground)
        if self.runner.busy or self.ops.busy("start-model"):
            self.playground.run_not_started(None)
            return
        if not self.local_models.bundled_ready and graph_needs_bundled(self.model.graph):
            self.ops.run(
                Op("start-model", lambda _say: self.local_models.ensure_bundled(),
                   busy="Starting the bundled demo model…", progress=self._model_starting,
                   success=lambda error: self._model_started(error, node))
            )  # fmt: skip
            return
        try:
            inputs = self.playground.values()
            self.runner.start(self.model.graph, inputs, node=node)
        except GraphInvalid as exc:
            count = len(exc.issues)
            self.playground.run_not_started(
                f"Fix {count} problem{'s' if count != 1 else ''} first: {exc.issues[0]}"
                + (" (the red nodes say what)" if count > 1 else "")
            )
        except (ValueError, RuntimeError) as exc:
            self.playground.run_not_started(str(exc))

    def _model_starting(self, line: str | None) -> None:
        if line is not None:
            self.playground.status.setText(line)

    def _model_started(self, error: str | None, node: str | None) -> None:
        """The bundled demo model answers (or said why not): run, once this op has ended."""
        if error is not None:
            self.playground.run_not_started(error)
        else:
            QTimer.singleShot(0, self, lambda: self.run_graph(node))

    def run_selected(self) -> None:
        nodes = self.scene.selected_ids()[0]
        if len(nodes) == 1:
            self.run_graph(next(iter(nodes)))

    def shutdown(self) -> list[asyncio.Task]:
        """Stop runs and timers; returns the tasks still unwinding."""
        self._validate_timer.stop()
        try:
            self.flush()
        except OSError:
            log.exception("could not save the studio draft")
        self.runner.cancel()
        self.local_models.stop()
        return self.ops.cancel_running()
