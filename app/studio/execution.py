"""One pass over one graph (the top level or a subgraph): each node is a task that waits for the
outputs it needs, so independent branches run concurrently and the order follows the wires.

An output port a node leaves out of its result is inactive (a router's untaken branch); a node
whose required input has no active source is skipped, and so is everything after it. When several
wires feed one input, the first one with a value wins, which is how two routed branches join.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.studio.cache import cache_key
from app.studio.context import MISSING, NodeContext, SkipNode, TokenStream
from app.studio.events import (
    Event,
    NodeCached,
    NodeFailed,
    NodeFinished,
    NodeSkipped,
    NodeStarted,
    NodeToken,
    NodeTrace,
)
from app.studio.graph import MAX_DEPTH
from app.studio.registry import NodeError
from app.studio.validate import CheckedGraph, Resolved, check

if TYPE_CHECKING:
    from app.studio.executor import Executor
    from app.studio.graph import Graph

log = logging.getLogger(__name__)
Source = tuple[str, str, bool]  # (node id, output port, read live as a stream)
UPSTREAM_FAILED = "an upstream node failed"
BRANCH_NOT_TAKEN = "its branch was not taken"


class Execution:
    def __init__(
        self,
        executor: Executor,
        checked: CheckedGraph,
        run_inputs: Mapping[str, Any],
        emit: Callable[[Event], None],
        traces: list[NodeTrace],
        prefix: str = "",
        depth: int = 0,
        only: set[str] | None = None,
    ) -> None:
        self.executor, self.checked, self.run_inputs = executor, checked, run_inputs
        self.emit, self.traces, self.prefix, self.depth = emit, traces, prefix, depth
        self.order = [
            n for n in checked.order if checked.nodes[n].type.runnable and (only is None or n in only)
        ]
        self.outputs: dict[str, Any] = {}
        self.first_error: tuple[str, str] | None = None
        self._failed: set[str] = set()
        self._incoming: dict[str, dict[str, list[Source]]] = defaultdict(lambda: defaultdict(list))
        self._live: dict[str, asyncio.Future[dict[str, TokenStream] | None]] = {}
        loop = asyncio.get_running_loop()
        self._done = {n: loop.create_future() for n in self.order}
        for edge in checked.edges:
            if edge.source not in self._done or edge.target not in self._done:
                continue
            src, dst = checked.nodes[edge.source], checked.nodes[edge.target]
            out, inp = src.ports.output(edge.source_port), dst.ports.input(edge.target_port)
            live = bool(out and inp and out.streams and inp.accepts_stream)
            if live and edge.source not in self._live:
                self._live[edge.source] = loop.create_future()
            self._incoming[edge.target][edge.target_port].append((edge.source, edge.source_port, live))

    async def run(self) -> dict[str, Any]:
        """Run every node; returns the values Output nodes published. Node errors do not raise."""
        async with asyncio.TaskGroup() as group:
            for node_id in self.order:
                group.create_task(self._node(self.checked.nodes[node_id]))
        return self.outputs

    async def _gather(self, node_id: str) -> tuple[dict[str, Any], bool]:
        """The node's input values (streams for live wires) and whether any is a live stream."""
        inputs: dict[str, Any] = {}
        live_read = False
        for port, sources in self._incoming[node_id].items():
            for src, src_port, live in sources:
                if live:
                    streams = await self._live[src]
                    if streams is not None:
                        inputs[port], live_read = streams[src_port], True
                        break
                outputs = await self._done[src]
                if outputs is not None and src_port in outputs:
                    inputs[port] = outputs[src_port]
                    break
        return inputs, live_read

    def _lacks_inputs(self, res: Resolved, inputs: dict[str, Any]) -> bool:
        """A required input without a value, or any wired input whose source failed."""
        for port in res.ports.inputs:
            if port.name in inputs:
                continue
            if port.required or any(
                s in self._failed for s, _, _ in self._incoming[res.node.id].get(port.name, ())
            ):
                return True
        return False

    def _skip_reason(self, node_id: str) -> str:
        sources = {s for port in self._incoming[node_id].values() for s, _, _ in port}
        return UPSTREAM_FAILED if sources & self._failed else BRANCH_NOT_TAKEN

    def _finish(self, res: Resolved, trace: NodeTrace, outputs: dict[str, Any] | None) -> None:
        node_id = res.node.id
        self.traces.append(trace)
        if trace.status == "error" or trace.error == UPSTREAM_FAILED:
            self._failed.add(node_id)
        live = self._live.get(node_id)
        if live is not None and not live.done():
            live.set_result(None)
        if not self._done[node_id].done():
            self._done[node_id].set_result(outputs)

    async def _node(self, res: Resolved) -> None:
        node_id, node_type = res.node.id, res.type
        full_id = self.prefix + node_id
        inputs, live_read = await self._gather(node_id)
        started_at = datetime.now(UTC)
        trace = NodeTrace(full_id, node_type.type_name, "ok", started_at, inputs=inputs)
        if self._lacks_inputs(res, inputs):
            trace.status, trace.error = "skipped", self._skip_reason(node_id)
            self.emit(NodeSkipped(full_id, trace.error))
            return self._finish(res, trace, None)
        cache = self.executor.cache
        key = None
        if cache is not None and node_type.cacheable and not live_read:
            key = cache_key(node_type.type_name, node_type.version, res.config.model_dump_json(), inputs)
            hit = await cache.get(key)
            if hit is not None:
                trace.status, trace.outputs = "cached", hit
                self.emit(NodeCached(full_id, hit))
                return self._finish(res, trace, hit)
        streams: dict[str, TokenStream] = {}
        if node_id in self._live:
            streams = {p.name: TokenStream() for p in res.ports.outputs if p.streams}
            self._live[node_id].set_result(streams)

        def on_token(port: str, text: str) -> None:
            if port in streams:
                streams[port].push(text)
            self.emit(NodeToken(full_id, port, text))

        ctx = NodeContext(
            full_id,
            self.run_inputs,
            on_token,
            self.outputs.__setitem__,
            self.executor.secrets,
            self._subgraph,
        )
        timeout = res.node.timeout_s or node_type.default_timeout_s
        self.emit(NodeStarted(full_id))
        start = time.perf_counter()
        outputs: dict[str, Any] | None = None
        try:
            async with asyncio.timeout(timeout) as deadline:
                outputs = await node_type.run(ctx, res.config, inputs)
        except SkipNode as exc:
            trace.status, trace.error = "skipped", str(exc)
        except TimeoutError as exc:
            expired = deadline.expired()
            trace.status, trace.error = "error", f"timed out after {timeout:g} s" if expired else str(exc)
        except NodeError as exc:
            trace.status, trace.error = "error", str(exc)
        except asyncio.CancelledError:
            trace.status, trace.error = "cancelled", "cancelled"
            trace.duration_s, trace.tokens = time.perf_counter() - start, ctx.tokens
            for stream in streams.values():
                stream.close(skip="cancelled")
            self.traces.append(trace)
            raise
        except Exception as exc:
            log.exception("node %s (%s) failed", full_id, node_type.type_name)
            trace.status, trace.error = "error", f"{type(exc).__name__}: {exc}"
        trace.duration_s, trace.tokens = time.perf_counter() - start, ctx.tokens
        if live_read:
            trace.inputs = {k: v.settled() if isinstance(v, TokenStream) else v for k, v in inputs.items()}
        why = UPSTREAM_FAILED if trace.status == "error" else trace.error or BRANCH_NOT_TAKEN
        for port, stream in streams.items():
            stream.close(outputs.get(port, MISSING) if outputs else MISSING, skip=why)
        if outputs is None:
            if trace.status == "error":
                self.first_error = self.first_error or (full_id, trace.error or "failed")
                self.emit(NodeFailed(full_id, trace.error or "failed", trace.duration_s))
            else:
                self.emit(NodeSkipped(full_id, trace.error or "skipped"))
            return self._finish(res, trace, None)
        trace.outputs = outputs
        if key is not None and cache is not None:
            await cache.put(key, outputs)
        self.emit(NodeFinished(full_id, outputs, trace.duration_s, ctx.tokens))
        return self._finish(res, trace, outputs)

    async def _subgraph(self, full_id: str, graph: Graph, inputs: Mapping[str, Any]) -> dict[str, Any]:
        if self.depth + 1 >= MAX_DEPTH:
            raise NodeError(f"subgraphs nest deeper than {MAX_DEPTH} levels")
        checked = check(graph)
        if checked.issues:
            raise NodeError(f"the subgraph is invalid: {checked.issues[0]}")
        inner = Execution(
            self.executor, checked, inputs, self.emit, self.traces, f"{full_id}/", self.depth + 1
        )
        outputs = await inner.run()
        if inner.first_error is not None:
            raise NodeError(f"inner node {inner.first_error[0]} failed: {inner.first_error[1]}")
        return outputs
