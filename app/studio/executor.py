"""The executor: runs a graph and reports what happens as it happens.

    run = executor.start(graph, {"question": "..."})   # inside a running event loop
    async for event in run.stream(): ...               # NodeStarted, NodeToken, NodeFinished, ...
    result = await run.wait()                           # RunResult: status, outputs, traces
    run.cancel()                                        # from anywhere on the loop

A graph with validation issues never starts (``GraphInvalid`` carries them). Node failures do not
raise: they show as ``NodeFailed`` events and a run status of "error". Each finished run is stored
in the run history when the executor has one.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.events import Events
from app.studio.cache import OutputCache
from app.studio.events import Event, NodeTrace, RunFinished, RunResult, RunStarted, RunStatus
from app.studio.execution import Execution
from app.studio.validate import CheckedGraph, Issue, check

if TYPE_CHECKING:
    from app.studio.graph import Graph
    from app.studio.history import RunHistory
    from app.studio.secrets import SecretStore

log = logging.getLogger(__name__)
Listener = Callable[[Event], None]


class GraphInvalid(ValueError):
    """The graph has problems; ``issues`` says which, node by node."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(str(i) for i in issues[:5]) + (" ..." if len(issues) > 5 else ""))
        self.issues = issues


def _upstream(checked: CheckedGraph, target: str) -> set[str]:
    """``target`` and every node it depends on."""
    feeds: dict[str, list[str]] = {}
    for edge in checked.edges:
        feeds.setdefault(edge.target, []).append(edge.source)
    seen, todo = {target}, [target]
    while todo:
        for src in feeds.get(todo.pop(), []):
            if src not in seen:
                seen.add(src)
                todo.append(src)
    return seen


class Run:
    """One run of a graph: subscribe to its events, wait for its result, or cancel it."""

    def __init__(
        self,
        executor: Executor,
        graph: Graph,
        checked: CheckedGraph,
        inputs: Mapping[str, Any],
        only: set[str] | None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.graph = graph
        self.inputs = dict(inputs)
        self._executor = executor
        self.events = Events("run_event")  # (Event): every event of the run, on the loop
        self._cancel_requested = False
        self._traces: list[NodeTrace] = []
        self._execution = Execution(executor, checked, self.inputs, self._publish, self._traces, only=only)
        self._task = asyncio.get_running_loop().create_task(self._main(), name=f"studio-run-{self.id}")

    def stream(self) -> AsyncIterator[Event]:
        """All events of this run, ending after ``RunFinished``. Registers at once, when called."""
        queue: asyncio.Queue[Event] = asyncio.Queue()
        self.events.connect("run_event", queue.put_nowait)  # held as long as the iterator holds the queue

        async def drain() -> AsyncIterator[Event]:
            while True:
                event = await queue.get()
                yield event
                if isinstance(event, RunFinished):
                    return

        return drain()

    def cancel(self) -> None:
        """Stop the run: running nodes are cancelled, the result's status is "cancelled"."""
        self._cancel_requested = True
        self._task.cancel()

    @property
    def done(self) -> bool:
        return self._task.done()

    async def wait(self) -> RunResult:
        return await asyncio.shield(self._task)

    def _publish(self, event: Event) -> None:
        self.events.emit("run_event", event)  # a failing listener is logged; the run goes on

    async def _main(self) -> RunResult:
        started_at = datetime.now(UTC)
        self._publish(RunStarted(self.id, self.graph.name))
        status: RunStatus = "ok"
        outputs: dict[str, Any] = {}
        error: str | None = None
        try:
            outputs = await self._execution.run()
        except asyncio.CancelledError:
            status, error = "cancelled", "cancelled"
            if not self._cancel_requested:
                raise
            self._task.uncancel()  # the cancel was ours and is handled: recording may still await
        finally:
            if status == "ok" and self._execution.first_error is not None:
                node_id, message = self._execution.first_error
                status, error = "error", f"{node_id}: {message}"
            result = RunResult(
                self.id,
                self.graph.name,
                self.graph.content_hash(),
                status,
                outputs,
                error,
                started_at,
                datetime.now(UTC),
                self.inputs,
                self._traces,
            )
            await self._record(result)
            self._publish(RunFinished(self.id, status, outputs, error))
        return result

    async def _record(self, result: RunResult) -> None:
        history = self._executor.history
        if history is None:
            return
        try:
            await asyncio.shield(asyncio.to_thread(history.save, result))
        except Exception:
            log.exception("could not store run %s in the history", result.run_id)


class Executor:
    """Runs graphs with one cache, secrets store and run history shared by all runs.

    ``cache=None`` turns caching off. The default is an in-memory cache; pass
    ``OutputCache(folder=...)`` to keep outputs across restarts.
    """

    def __init__(
        self,
        cache: OutputCache | None = None,
        secrets: SecretStore | None = None,
        history: RunHistory | None = None,
        *,
        caching: bool = True,
    ) -> None:
        self.cache = (cache if cache is not None else OutputCache()) if caching else None
        self.secrets = secrets
        self.history = history

    def start(self, graph: Graph, inputs: Mapping[str, Any] | None = None, *, node: str | None = None) -> Run:
        """Start a run on the running loop. ``node``: run only that node and what it depends on."""
        checked = check(graph)
        if checked.issues:
            raise GraphInvalid(checked.issues)
        if node is not None and node not in checked.nodes:
            raise GraphInvalid([Issue(node, "unknown-node", f"no node {node!r} in this graph")])
        only = _upstream(checked, node) if node is not None else None
        return Run(self, graph, checked, inputs or {}, only)

    async def run(
        self, graph: Graph, inputs: Mapping[str, Any] | None = None, on_event: Listener | None = None
    ) -> RunResult:
        """Start a run and wait for it; ``on_event`` sees every event."""
        run = self.start(graph, inputs)
        if on_event is not None:
            run.events.connect("run_event", on_event)
        return await run.wait()
