"""Studio runs: the real executor behind the playground, badges on nodes, refusal of bad graphs."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.studio.context import NodeContext
from app.studio.events import NodeFinished
from app.studio.graph import Graph
from app.studio.ports import NodePorts, Port, PortType
from app.studio.registry import NodeConfig, NodeType, register
from app.ui.pages.studio import StudioPage
from app.ui.theme import DARK


@pytest.fixture
def page(studio_page: StudioPage) -> StudioPage:
    return studio_page


def test_run_shows_the_result_badges_and_trace(page, qtbot) -> None:
    editor = page.editor
    qtbot.waitUntil(lambda: "question" in editor.playground.inputs)
    _kind, field = editor.playground.inputs["question"]
    field.setText("what is a digit?")
    seen = []
    editor.runner.event.connect(seen.append)
    editor.run_action.trigger()
    qtbot.waitUntil(lambda: editor.playground.status.text() == "Finished", timeout=10000)
    assert editor.playground.output.toPlainText() == "Answer briefly: what is a digit?"
    assert {editor.scene.nodes[n].status for n in ("input1", "prompt1", "output1")} == {"ok"}
    assert editor.playground.trace.topLevelItemCount() == 3
    row = editor.playground.trace.topLevelItem(1)
    assert (row.text(0), row.text(1)) == ("prompt1", "ok") and row.text(2).endswith("ms")
    assert any(isinstance(e, NodeFinished) for e in seen)
    assert editor.playground.run_button.isEnabled() and not editor.playground.cancel_button.isEnabled()


def test_a_graph_with_problems_does_not_run(page, qtbot) -> None:
    editor = page.editor
    edge = editor.model.edge_into("output1", "value")
    editor.scene.edges[edge.id].setSelected(True)
    editor.delete_action.trigger()
    editor.run_graph()
    assert "Fix 1 problem first" in editor.playground.status.text()
    assert editor.runner.run is None


class SleepConfig(NodeConfig):
    seconds: float = 30.0


@register
class SleepNode(NodeType):
    """Waits, streaming a token first: a run the test can watch and cancel."""

    type_name = "ui_test_sleep"
    title = "Sleep"
    category = "Test"
    Config = SleepConfig

    def ports(self, config: SleepConfig) -> NodePorts:
        return NodePorts((Port("value", PortType.TEXT),), (Port("value", PortType.TEXT, streams=True),))

    async def run(self, ctx: NodeContext, config: SleepConfig, inputs: Mapping[str, Any]) -> dict[str, Any]:
        ctx.emit("value", "thinking… ")
        await asyncio.sleep(config.seconds)
        return {"value": inputs["value"]}


def test_streamed_tokens_show_and_cancel_stops_the_run(page, qtbot) -> None:
    editor = page.editor
    graph = Graph.model_validate(
        {
            "name": "slow",
            "nodes": [
                {"id": "in", "type": "input", "config": {"name": "q", "default": "hi"}},
                {"id": "slow", "type": "ui_test_sleep"},
                {"id": "out", "type": "output", "config": {"name": "a"}},
            ],
            "edges": [
                {
                    "id": "e1",
                    "source": "in",
                    "source_port": "value",
                    "target": "slow",
                    "target_port": "value",
                },
                {
                    "id": "e2",
                    "source": "slow",
                    "source_port": "value",
                    "target": "out",
                    "target_port": "value",
                },
            ],
        }
    )
    editor.load(graph, None)
    editor.run_graph()
    qtbot.waitUntil(lambda: editor.scene.nodes["slow"].status == "running", timeout=10000)
    qtbot.waitUntil(lambda: "thinking" in editor.playground.output.toPlainText(), timeout=10000)
    assert editor.playground.cancel_button.isEnabled()
    qtbot.mouseClick(editor.playground.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.playground.status.text() == "Cancelled", timeout=10000)
    assert editor.playground.run_button.isEnabled()
    assert not editor.runner.busy


def test_runs_land_in_the_history_with_their_traces(app, loop, paths, qtbot) -> None:
    from types import SimpleNamespace

    from app.db.engine import make_engine, session_factory
    from app.db.migrate import upgrade

    upgrade(paths.database)
    engine = make_engine(paths.database)
    studio = StudioPage(DARK, runtime=SimpleNamespace(sessions=session_factory(engine), paths=paths))
    qtbot.addWidget(studio)
    try:
        editor = studio.editor
        editor.run_graph()  # the starter agent; "question" has no value and no default
        qtbot.waitUntil(lambda: editor.playground.status.text().startswith("Failed"), timeout=10000)
        assert "no value given for input 'question'" in editor.playground.status.text()
        assert editor.scene.nodes["input1"].status == "error"
        assert editor.scene.nodes["output1"].status == "skipped"
        editor.side.setCurrentWidget(editor.history)
        tree = editor.history.tree
        qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1, timeout=10000)
        run = tree.topLevelItem(0)
        assert run.text(1) == "error" and "Untitled agent" in run.text(0)
        run.setExpanded(True)
        qtbot.waitUntil(lambda: run.childCount() == 3, timeout=10000)
        assert {run.child(i).text(0) for i in range(3)} == {"input1", "prompt1", "output1"}
    finally:
        for task in studio.shutdown():
            qtbot.waitUntil(task.done, timeout=10000)
        engine.dispose()
