"""Editing an agent's graph without a window: the evented model, the undo stack and every edit.

Each edit is done, undone and redone on a plain ``GraphModel``; undoing must give back the graph
exactly as it was (order of nodes and wires included, since the file diffs by it), and every view
learns what changed from the model's events alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.studio import groups as grouping
from app.studio.edits import (
    AddItemsCommand,
    ConnectCommand,
    GroupsCommand,
    MoveNodesCommand,
    RemoveItemsCommand,
    ReplaceGraphCommand,
    SettingsCommand,
)
from app.studio.graph import Edge, Graph, Group, Node, Position
from app.studio.graph_model import EVENTS, GraphModel, default_config, node_ports, node_title
from app.studio.ports import NodePorts
from app.studio.registry import get
from app.studio.undo import Command, UndoStack


def chain_graph() -> Graph:
    """input a -> template t -> output o, plus a note n; a and t grouped."""
    return Graph(
        nodes=[
            Node(id="a", type="input", config={"name": "question"}),
            Node(id="t", type="prompt_template", config={"template": "Q: {{text}}"}),
            Node(id="o", type="output", config={"name": "answer"}),
            Node(id="n", type="note", position=Position(x=5, y=5)),
        ],
        edges=[
            Edge(id="e1", source="a", source_port="value", target="t", target_port="text"),
            Edge(id="e2", source="t", source_port="text", target="o", target_port="value"),
        ],
        groups=[Group(id="group1", title="Front", node_ids=["a", "t"])],
    )


class Recorder:
    """Every event of a model, in order, as (name, *args)."""

    def __init__(self, model: GraphModel) -> None:
        self.seen: list[tuple[Any, ...]] = []
        for name in EVENTS:
            model.events.connect(name, self._listener(name))

    def _listener(self, name: str):
        return lambda *args: self.seen.append((name, *args))

    def take(self) -> list[tuple[Any, ...]]:
        seen, self.seen = self.seen, []
        return seen


@pytest.fixture
def model() -> GraphModel:
    return GraphModel(chain_graph())


def dump(model: GraphModel) -> dict:
    return model.graph.model_dump()


def roundtrip(model: GraphModel, stack: UndoStack, command: Command) -> dict:
    """Push ``command``, check undo gives the graph back and redo gives the edit again; the edit."""
    before = dump(model)
    stack.push(command)
    after = dump(model)
    assert after != before
    stack.undo()
    assert dump(model) == before
    stack.redo()
    assert dump(model) == after
    return after


def test_the_undo_stack_walks_back_and_forth_and_forgets_what_a_new_edit_replaces() -> None:
    log: list[str] = []

    class Say(Command):
        def redo(self) -> None:
            log.append(f"do {self.text}")

        def undo(self) -> None:
            log.append(f"undo {self.text}")

    stack = UndoStack()
    changes: list[None] = []
    stack.events.connect("changed", lambda: changes.append(None))
    assert (stack.can_undo, stack.can_redo, stack.undo_text, stack.redo_text) == (False, False, "", "")
    stack.undo()
    stack.redo()  # nothing to do: no change, no event
    assert log == [] and changes == []
    stack.push(Say("one"))
    stack.push(Say("two"))
    assert (stack.undo_text, stack.count()) == ("two", 2)
    stack.undo()
    assert (stack.undo_text, stack.redo_text, stack.can_redo) == ("one", "two", True)
    stack.push(Say("three"))  # "two" was undone: it is forgotten
    assert (stack.count(), stack.can_redo, stack.undo_text) == (2, False, "three")
    stack.undo()
    stack.undo()
    stack.redo()
    assert log == ["do one", "do two", "undo two", "do three", "undo three", "undo one", "do one"]
    assert len(changes) == 7
    stack.clear()
    assert (stack.count(), stack.can_undo, stack.can_redo, len(changes)) == (0, False, False, 8)


def test_every_change_is_an_event_with_the_id_it_concerns(model: GraphModel) -> None:
    events = Recorder(model)
    model.insert_node(Node(id="x", type="note"))
    model.move_node("x", 10, 20)
    model.set_settings("x", {"text": "hi"}, "Hello")
    model.insert_edge(Edge(id="e9", source="a", source_port="value", target="o", target_port="value"))
    model.remove_edge("e9")
    model.remove_node("x")
    model.set_groups([])
    assert events.take() == [
        ("node_added", "x"), ("changed",), ("node_moved", "x"), ("changed",),
        ("node_changed", "x"), ("changed",), ("edge_added", "e9"), ("changed",),
        ("edge_removed", "e9"), ("changed",), ("node_removed", "x"), ("changed",),
        ("groups_changed",), ("changed",),
    ]  # fmt: skip
    model.set_graph(Graph(name="Other"))
    assert events.take() == [("reset",), ("changed",)]
    assert model.node("a") is None and model.graph.name == "Other"
    model.rename("Other")
    model.rename("")
    assert events.take() == [], "no change, no event"
    model.rename("Third")
    assert events.take() == [("changed",)] and model.graph.name == "Third"


def test_a_view_that_is_gone_is_not_called(model: GraphModel) -> None:
    class View:
        def __init__(self) -> None:
            self.calls = 0

        def node_added(self, node_id: str) -> None:
            self.calls += 1

    view = View()
    model.events.connect("node_added", view.node_added)
    model.insert_node(Node(id="x", type="note"))
    assert view.calls == 1
    del view
    assert model.events.count("node_added") == 0  # held weakly: a closed page is not kept alive


def test_add_and_remove_items_undo_to_the_same_graph(model: GraphModel) -> None:
    stack = UndoStack()
    added = Node(id="n2", type="note")
    wire = Edge(id="e3", source="a", source_port="value", target="o", target_port="value")
    after = roundtrip(model, stack, AddItemsCommand(model, [added], [wire], "Paste"))
    assert [n["id"] for n in after["nodes"]][-1] == "n2" and stack.undo_text == "Paste"
    # deleting the middle node takes its two wires and leaves a group of one, which dissolves
    after = roundtrip(model, stack, RemoveItemsCommand(model, {"t"}, set()))
    assert [n["id"] for n in after["nodes"]] == ["a", "o", "n", "n2"]
    assert [e["id"] for e in after["edges"]] == ["e3"]
    assert after["groups"] == []
    stack.undo()
    assert [e.id for e in model.graph.edges] == ["e1", "e2", "e3"], "wires back in their places"
    assert model.graph.groups[0].node_ids == ["a", "t"]


def test_connecting_replaces_the_wire_into_an_input_unless_joining(model: GraphModel) -> None:
    stack = UndoStack()
    into_o = Edge(id="e5", source="a", source_port="value", target="o", target_port="value")
    after = roundtrip(model, stack, ConnectCommand(model, into_o))
    assert [e["id"] for e in after["edges"]] == ["e1", "e5"] and stack.undo_text == "Connect"
    join = Edge(id="e6", source="t", source_port="text", target="o", target_port="value")
    after = roundtrip(model, stack, ConnectCommand(model, join, join=True))
    assert [e["id"] for e in after["edges"]] == ["e1", "e5", "e6"] and stack.undo_text == "Join branches"
    stack.undo()
    stack.undo()
    assert [e.id for e in model.graph.edges] == ["e1", "e2"]


def test_moves_settings_groups_and_whole_graphs_undo(model: GraphModel) -> None:
    stack = UndoStack()
    after = roundtrip(model, stack, MoveNodesCommand(model, {"n": ((5, 5), (50, 60))}))
    assert after["nodes"][3]["position"] == {"x": 50, "y": 60} and stack.undo_text == "Move node"
    stack.push(MoveNodesCommand(model, {"a": ((0, 0), (0, 9)), "o": ((0, 0), (0, 9))}, "Align tops"))
    assert stack.undo_text == "Align tops"
    after = roundtrip(
        model, stack, SettingsCommand(model, "a", ({"name": "question"}, ""), ({"name": "q"}, "Ask"))
    )
    assert (after["nodes"][0]["config"], after["nodes"][0]["title"]) == ({"name": "q"}, "Ask")
    regrouped = grouping.grouped(model, {"o", "n"})
    assert regrouped is not None
    after = roundtrip(model, stack, GroupsCommand(model, regrouped, "Group"))
    assert [g["node_ids"] for g in after["groups"]] == [["a", "t"], ["o", "n"]]
    after = roundtrip(model, stack, ReplaceGraphCommand(model, Graph(name="Empty"), "Restore v1"))
    assert (after["name"], after["nodes"]) == ("Empty", [])
    stack.undo()
    assert model.node("a") is not None, "the model's index follows a restored graph"


def test_group_rules(model: GraphModel) -> None:
    assert grouping.grouped(model, {"a"}) is None, "a group needs two nodes"
    moved = grouping.grouped(model, {"t", "o"})
    assert moved is not None
    # "t" leaves its old group, which is then a group of one and goes
    assert [(g.id, g.node_ids) for g in moved] == [("group2", ["t", "o"])]
    assert grouping.ungrouped(model, {"o"}) is None
    assert grouping.ungrouped(model, {"a"}) == []
    assert grouping.renamed(model, "group1", "  ") is None
    assert grouping.renamed(model, "group1", "Front") is None
    renamed = grouping.renamed(model, "group1", " Back ")
    assert renamed is not None and renamed[0].title == "Back"
    assert grouping.selected_group(model, {"a", "t"}) == model.graph.groups[0]
    assert grouping.selected_group(model, {"a"}) is None


def test_node_helpers() -> None:
    template = get("prompt_template")
    assert template is not None
    assert "template" in default_config(template)
    broken = Node(id="t", type="prompt_template", config={"template": 5})
    assert node_ports(broken) == node_ports(Node(id="t", type="prompt_template")), "defaults when bad"
    assert node_ports(Node(id="x", type="no_such_type")) == NodePorts()
    assert node_title(Node(id="t", type="prompt_template")) == template.title
    assert node_title(Node(id="t", type="prompt_template", title="Mine")) == "Mine"
    assert node_title(Node(id="x", type="no_such_type")) == "no_such_type"
