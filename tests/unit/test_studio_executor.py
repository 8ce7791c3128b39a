"""The executor: order, concurrency, caching, cancel, timeouts, streaming, failures, subgraphs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import pytest

from app.studio.cache import OutputCache
from app.studio.context import NodeContext
from app.studio.events import (
    NodeCached,
    NodeFailed,
    NodeFinished,
    NodeSkipped,
    NodeStarted,
    NodeToken,
    RunFinished,
    RunStarted,
)
from app.studio.executor import Executor, GraphInvalid
from app.studio.graph import SCHEMA_VERSION, Graph
from app.studio.ports import NodePorts, Port, PortType
from app.studio.registry import NodeConfig, NodeError, NodeType, register

CALLS: list[str] = []  # node ids in the order test nodes started running


class StepConfig(NodeConfig):
    tag: str = ""
    seconds: float = 0.0
    tokens: int = 0
    fail: bool = False


@register
class StepNode(NodeType):
    """Appends its tag to its input after an optional sleep; can stream tokens or fail."""

    type_name = "test_step"
    title = "Step"
    category = "Test"
    Config = StepConfig

    def ports(self, config: StepConfig) -> NodePorts:
        return NodePorts(
            (Port("value", PortType.TEXT, required=False),), (Port("value", PortType.TEXT, streams=True),)
        )

    async def run(self, ctx: NodeContext, config: StepConfig, inputs: Mapping[str, Any]) -> dict[str, Any]:
        CALLS.append(ctx.node_id)
        for i in range(config.tokens):
            await asyncio.sleep(0.01)
            ctx.emit("value", f"t{i} ")
        await asyncio.sleep(config.seconds)
        if config.fail:
            raise NodeError(f"{config.tag} broke")
        return {"value": inputs.get("value", "") + config.tag}


def step(node_id: str, **config: Any) -> dict:
    return {"id": node_id, "type": "test_step", "config": config}


def graph(nodes: list[dict], wires: list[tuple[str, str]], out: str | None = None) -> Graph:
    """Wire ``value`` ports; with ``out``, that node feeds an Output named "result"."""
    if out is not None:
        nodes = [*nodes, {"id": "out", "type": "output", "config": {"name": "result"}}]
        wires = [*wires, (out, "out")]
    edges = [
        {"id": f"e{i}", "source": s, "source_port": "value", "target": t, "target_port": "value"}
        for i, (s, t) in enumerate(wires)
    ]
    return Graph.model_validate({"schema_version": SCHEMA_VERSION, "nodes": nodes, "edges": edges})


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    CALLS.clear()


def run(g: Graph, executor: Executor | None = None, **kwargs: Any) -> tuple[Any, list]:
    events: list = []

    async def go() -> Any:
        return await (executor or Executor()).run(g, kwargs or None, on_event=events.append)

    return asyncio.run(go()), events


def test_nodes_run_in_dependency_order_whatever_the_document_order() -> None:
    g = graph([step("c", tag="c"), step("b", tag="b"), step("a", tag="a")], [("a", "b"), ("b", "c")], out="c")
    result, events = run(g)
    assert CALLS == ["a", "b", "c"]
    assert result.status == "ok" and result.outputs == {"result": "abc"}
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunFinished)
    assert [t.node_id for t in result.traces] == ["a", "b", "c", "out"]
    assert result.traces[1].inputs == {"value": "a"} and result.traces[1].outputs == {"value": "ab"}


def test_independent_branches_run_concurrently() -> None:
    g = graph(
        [
            step("a", tag="a"),
            step("left", tag="L", seconds=0.3),
            step("right", tag="R", seconds=0.3),
            step("join", tag="J"),
        ],
        [("a", "left"), ("a", "right"), ("left", "join")],
    )
    start = time.perf_counter()
    result, _ = run(g)
    assert time.perf_counter() - start < 0.55  # two 0.3 s branches side by side, not 0.6 s in a row
    assert result.status == "ok" and CALLS.index("join") > CALLS.index("left")


def test_cache_hits_and_an_edit_reruns_only_what_depends_on_it() -> None:
    executor = Executor()
    nodes = [step("a", tag="a"), step("b", tag="b"), step("c", tag="c")]
    first, _ = run(graph(nodes, [("a", "b"), ("b", "c")], out="c"), executor)
    assert CALLS == ["a", "b", "c"]
    CALLS.clear()
    again, events = run(graph(nodes, [("a", "b"), ("b", "c")], out="c"), executor)
    assert CALLS == [] and again.outputs == first.outputs
    assert [e.node_id for e in events if isinstance(e, NodeCached)] == ["a", "b", "c"]
    assert [t.status for t in again.traces] == ["cached", "cached", "cached", "ok"]
    CALLS.clear()
    edited = [step("a", tag="a"), step("b", tag="B"), step("c", tag="c")]
    result, _ = run(graph(edited, [("a", "b"), ("b", "c")], out="c"), executor)
    assert CALLS == ["b", "c"] and result.outputs == {"result": "aBc"}


def test_a_node_whose_output_did_not_change_keeps_its_dependents_cached() -> None:
    executor = Executor()
    run(graph([step("a", tag="x"), step("b", tag="!")], [("a", "b")]), executor)
    CALLS.clear()
    # A different timeout does not change "a"'s key; its settings are the same, so nothing reruns.
    run(graph([{**step("a", tag="x"), "timeout_s": 9}, step("b", tag="!")], [("a", "b")]), executor)
    assert CALLS == []


def test_the_disk_cache_survives_a_new_executor(tmp_path) -> None:
    g = graph([step("a", tag="a"), step("b", tag="b")], [("a", "b")])
    run(g, Executor(OutputCache(folder=tmp_path)))
    CALLS.clear()
    result, _ = run(g, Executor(OutputCache(folder=tmp_path)))
    assert CALLS == [] and [t.status for t in result.traces] == ["cached", "cached"]
    assert len(list(tmp_path.rglob("*.json"))) == 2


def test_the_memory_cache_is_a_bounded_lru() -> None:
    cache = OutputCache(max_entries=2)

    async def go() -> list:
        for key in ("a", "b", "c"):
            await cache.put(key, {"v": key})
        return [await cache.get(k) for k in ("a", "b", "c")]

    assert asyncio.run(go()) == [None, {"v": "b"}, {"v": "c"}]


def test_caching_can_be_turned_off() -> None:
    g = graph([step("a", tag="a")], [])
    executor = Executor(caching=False)
    run(g, executor)
    run(g, executor)
    assert CALLS == ["a", "a"]


def test_a_failure_skips_what_depends_on_it_while_other_branches_finish() -> None:
    g = graph(
        [step("a", tag="a"), step("bad", tag="b", fail=True), step("after", tag="x"), step("other", tag="o")],
        [("a", "bad"), ("bad", "after"), ("a", "other")],
    )
    result, events = run(g)
    assert result.status == "error" and result.error == "bad: b broke"
    failed = [e for e in events if isinstance(e, NodeFailed)]
    assert [(e.node_id, e.error) for e in failed] == [("bad", "b broke")]
    assert [(e.node_id, e.reason) for e in events if isinstance(e, NodeSkipped)] == [
        ("after", "an upstream node failed")
    ]
    assert "other" in CALLS
    assert {t.node_id: t.status for t in result.traces}["bad"] == "error"


def test_a_node_past_its_timeout_fails_with_a_timeout_message() -> None:
    g = graph([{**step("slow", seconds=5), "timeout_s": 0.1}], [])
    start = time.perf_counter()
    result, _ = run(g)
    assert time.perf_counter() - start < 2
    assert result.error == "slow: timed out after 0.1 s"


def test_cancel_stops_running_nodes_and_reports_cancelled() -> None:
    g = graph(
        [step("a", tag="a"), step("slow", seconds=10), step("after")], [("a", "slow"), ("slow", "after")]
    )

    async def go() -> tuple[Any, list]:
        run_ = Executor().start(g)
        events = run_.stream()
        seen = []
        async for event in events:
            seen.append(event)
            if isinstance(event, NodeStarted) and event.node_id == "slow":
                run_.cancel()
        return await run_.wait(), seen

    start = time.perf_counter()
    result, seen = asyncio.run(go())
    assert time.perf_counter() - start < 2
    assert result.status == "cancelled"
    assert isinstance(seen[-1], RunFinished) and seen[-1].status == "cancelled"
    assert {t.node_id: t.status for t in result.traces} == {"a": "ok", "slow": "cancelled"}
    assert "after" not in CALLS


def test_tokens_stream_to_the_caller_and_live_to_the_output_node() -> None:
    g = graph([step("writer", tag="done", tokens=3)], [], out="writer")
    result, events = run(g)
    tokens = [(e.node_id, e.text) for e in events if isinstance(e, NodeToken)]
    assert [t for n, t in tokens if n == "writer"] == ["t0 ", "t1 ", "t2 "]
    assert [t for n, t in tokens if n == "out"] == ["t0 ", "t1 ", "t2 "]
    kinds = [(type(e).__name__, getattr(e, "node_id", "")) for e in events]
    # The Output node started and streamed before the writer finished.
    assert kinds.index(("NodeStarted", "out")) < kinds.index(("NodeFinished", "writer"))
    assert result.outputs == {"result": "done"}
    writer = next(e for e in events if isinstance(e, NodeFinished) and e.node_id == "writer")
    assert writer.tokens == 3
    assert {t.node_id: t.inputs for t in result.traces}["out"] == {"value": "done"}


def test_a_failing_streamer_skips_its_live_reader() -> None:
    result, events = run(graph([step("writer", tokens=2, fail=True)], [], out="writer"))
    assert result.status == "error"
    assert ("out", "an upstream node failed") in [
        (e.node_id, e.reason) for e in events if isinstance(e, NodeSkipped)
    ]


def test_running_one_node_runs_only_what_it_needs() -> None:
    g = graph([step("a", tag="a"), step("b", tag="b"), step("c", tag="c")], [("a", "b"), ("b", "c")])

    async def go() -> Any:
        return await Executor().start(g, node="b").wait()

    result = asyncio.run(go())
    assert CALLS == ["a", "b"] and [t.node_id for t in result.traces] == ["a", "b"]


def test_an_invalid_graph_never_starts() -> None:
    g = graph([step("a"), {"id": "x", "type": "nope"}], [])

    async def go() -> None:
        Executor().start(g)

    with pytest.raises(GraphInvalid) as caught:
        asyncio.run(go())
    assert [i.node_id for i in caught.value.issues] == ["x"]
    assert CALLS == []


def test_a_subgraph_runs_inside_the_run_with_prefixed_ids() -> None:
    inner = graph(
        [{"id": "in", "type": "input", "config": {"name": "text"}}, step("s", tag="+inner")],
        [("in", "s")],
        out="s",
    ).model_dump()
    outer = Graph.model_validate(
        {
            "schema_version": SCHEMA_VERSION,
            "nodes": [
                step("a", tag="a"),
                {"id": "sub", "type": "subgraph", "config": {"graph": inner}},
                {"id": "o", "type": "output", "config": {"name": "final"}},
            ],
            "edges": [
                {"id": "e1", "source": "a", "source_port": "value", "target": "sub", "target_port": "text"},
                {"id": "e2", "source": "sub", "source_port": "result", "target": "o", "target_port": "value"},
            ],
        }
    )
    result, _ = run(outer)
    assert result.status == "ok" and result.outputs == {"final": "a+inner"}
    assert "sub/s" in CALLS
    assert [t.node_id for t in result.traces] == ["a", "sub/in", "sub/s", "sub/out", "sub", "o"]


def test_input_nodes_check_what_the_caller_gives() -> None:
    g = Graph.model_validate(
        {
            "schema_version": SCHEMA_VERSION,
            "nodes": [
                {"id": "n", "type": "input", "config": {"name": "n", "type": "number"}},
                {"id": "d", "type": "input", "config": {"name": "d", "default": "fallback"}},
            ],
        }
    )
    assert run(g, n="seven")[0].error == "n: input 'n' must be number, got str"
    assert run(g)[0].error == "n: no value given for input 'n'"
    ok, _ = run(g, n=7)
    assert ok.status == "ok" and {t.node_id: t.outputs for t in ok.traces}["d"] == {"value": "fallback"}


def test_a_listener_that_raises_does_not_break_the_run(caplog: pytest.LogCaptureFixture) -> None:
    def bad_listener(_event: Any) -> None:
        raise RuntimeError("listener bug")

    async def go() -> Any:
        return await Executor().run(graph([step("a", tag="a")], []), on_event=bad_listener)

    assert asyncio.run(go()).status == "ok"
    assert "a listener of event run_event failed" in caplog.text
