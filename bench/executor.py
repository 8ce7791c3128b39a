"""Executor overhead: a 1,000-node chain run by the executor vs the same node calls made directly.

Prints ``executor_overhead_us_per_node: X`` (goal <= 50): (executor time - direct time) / nodes,
best of several rounds, both measured in this run. The executor pays here for what the canvas
needs: validation, one task per node, events, traces, timeouts and cache keys (a fresh cache each
round, so every node is a miss and really runs). Extra lines give the all-hits rerun and the
overhead without the cache.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable
from typing import Any

from app.studio import registry
from app.studio.context import NodeContext
from app.studio.executor import Executor
from app.studio.graph import Edge, Graph, Node
from app.studio.registry import NodeType

NODES = 1_000
ROUNDS = 15


def chain(length: int) -> Graph:
    """input -> (length - 2) JSON transforms -> output."""
    nodes = [Node(id="n0", type="input", config={"name": "x", "type": "json"})]
    nodes += [
        Node(id=f"n{i}", type="json_transform", config={"expression": "@"}) for i in range(1, length - 1)
    ]
    nodes.append(Node(id=f"n{length - 1}", type="output", config={"name": "y"}))
    ports = ["value"] + ["result"] * (length - 2)
    edges = [
        Edge(
            id=f"e{i}",
            source=f"n{i}",
            source_port=ports[i],
            target=f"n{i + 1}",
            target_port="value" if i == length - 2 else "data",
        )
        for i in range(length - 1)
    ]
    return Graph(name="bench chain", nodes=nodes, edges=edges)


def prepare(graph: Graph) -> list[tuple[NodeType, Any, str]]:
    """Each node's type, parsed settings and input port, made before any timing starts."""
    steps = []
    for node in graph.nodes:
        node_type = registry.get(node.type)
        assert node_type is not None
        port = "data" if node.type == "json_transform" else "value"
        steps.append((node_type, node_type.Config.model_validate(node.config), port))
    return steps


async def direct(steps: list[tuple[NodeType, Any, str]], value: Any) -> Any:
    """The same node runs in order, each fed the previous output: the work without the executor."""
    outputs: dict[str, Any] = {}
    ctx = NodeContext("bench", {"x": value}, lambda p, t: None, outputs.__setitem__, None, None)  # type: ignore[arg-type]
    current: Any = None
    for i, (node_type, config, port) in enumerate(steps):
        result = await node_type.run(ctx, config, {port: current} if i else {})
        current = result.get("result", result.get("value"))
    return outputs["y"]


async def through_executor(executor: Executor, graph: Graph, value: Any) -> Any:
    result = await executor.run(graph, {"x": value}, on_event=lambda e: None)
    assert result.status == "ok", result.error
    return result.outputs["y"]


async def main() -> None:
    graph = chain(NODES)
    steps = prepare(graph)
    value = {"question": "what is 6 x 7?", "n": 42}
    direct_s, cold_s, warm_s, nocache_s = [], [], [], []

    async def timed(into: list[float], call: Awaitable[Any]) -> None:
        gc.collect()  # each measurement starts clean, not paying for the previous one's garbage
        start = time.perf_counter()
        await call
        into.append(time.perf_counter() - start)

    for _ in range(ROUNDS):
        await timed(direct_s, direct(steps, value))
        executor = Executor()
        await timed(cold_s, through_executor(executor, graph, value))
        await timed(warm_s, through_executor(executor, graph, value))
        await timed(nocache_s, through_executor(Executor(caching=False), graph, value))
    assert await direct(steps, value) == value == await through_executor(Executor(), graph, value)
    base = min(direct_s)
    per_node = 1e6 / NODES
    print(f"direct_us_per_node: {base * per_node:.1f}")
    print(f"executor_overhead_us_per_node: {(min(cold_s) - base) * per_node:.1f}")
    print(f"executor_overhead_no_cache_us_per_node: {(min(nocache_s) - base) * per_node:.1f}")
    print(f"executor_all_cached_us_per_node: {min(warm_s) * per_node:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
