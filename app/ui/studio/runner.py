"""Runs graphs for the editor: the executor's plain events re-emitted as a Qt signal on the GUI loop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.studio.executor import Executor, Run
from app.studio.graph import Graph
from app.ui.operations import Op, Operations
from app.ui.qt_events import EventRelay, relay


class RunController(QObject):
    """One run at a time; ``event`` carries every executor event, ``running`` its state."""

    event = Signal(object)
    running = Signal(bool)

    def __init__(self, executor: Executor, ops: Operations, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.executor = executor
        self.ops = ops
        self.run: Run | None = None

    @property
    def busy(self) -> bool:
        return self.run is not None and not self.run.done

    def start(self, graph: Graph, inputs: Mapping[str, Any], node: str | None = None) -> Run:
        """Start a run of a copy of ``graph`` (edits during the run do not change it); raises
        ``GraphInvalid`` when the graph has problems."""
        if self.busy:
            raise RuntimeError("a run is already going")
        run = self.executor.start(graph.model_copy(deep=True), inputs, node=node)
        events = relay(run.events, "run_event", self.event.emit, self)
        self.run = run
        self.running.emit(True)
        self.ops.run(Op(f"watch-{run.id}", lambda _say: self._watch(run, events)))
        return run

    async def _watch(self, run: Run, events: EventRelay) -> None:
        try:
            await run.wait()
        finally:
            events.close()  # every event of the run has been delivered by now
            events.deleteLater()
            if self.run is run:
                self.running.emit(False)

    def cancel(self) -> None:
        if self.run is not None and not self.run.done:
            self.run.cancel()

    def cancel_all(self) -> None:
        self.cancel()
        self.ops.cancel_running()
