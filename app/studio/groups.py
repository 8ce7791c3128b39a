"""Grouping edits: what an agent's groups become after group, ungroup or rename.

Each function computes the new list of groups (None when the edit would change nothing); the editor
pushes it as one ``GroupsCommand`` (``app.studio.edits``), so each of these edits is a single undo
step.
"""

from __future__ import annotations

from app.studio.graph import Group
from app.studio.graph_model import GraphModel


def grouped(model: GraphModel, nodes: set[str]) -> list[Group] | None:
    """The groups after putting ``nodes`` in a new group (a node is in one group at a time)."""
    if len(nodes) < 2:
        return None
    others = [
        g.model_copy(update={"node_ids": [n for n in g.node_ids if n not in nodes]})
        for g in model.graph.groups
    ]
    ordered = [n.id for n in model.graph.nodes if n.id in nodes]
    group_id = model.new_id("group")
    group = Group(id=group_id, title=f"Group {group_id.removeprefix('group')}", node_ids=ordered)
    return [*[g for g in others if len(g.node_ids) > 1], group]


def ungrouped(model: GraphModel, nodes: set[str]) -> list[Group] | None:
    """The groups after dissolving every group that holds one of ``nodes``; None if none does."""
    kept = [g for g in model.graph.groups if not set(g.node_ids) & nodes]
    return kept if len(kept) != len(model.graph.groups) else None


def renamed(model: GraphModel, group_id: str, title: str) -> list[Group] | None:
    """The groups with ``group_id`` called ``title``; None when nothing would change."""
    title = title.strip()
    group = next((g for g in model.graph.groups if g.id == group_id), None)
    if group is None or not title or title == group.title:
        return None
    return [g.model_copy(update={"title": title}) if g.id == group_id else g for g in model.graph.groups]


def selected_group(model: GraphModel, nodes: set[str]) -> Group | None:
    """The group whose members are exactly the selection (what clicking its frame selects)."""
    return next((g for g in model.graph.groups if nodes and set(g.node_ids) == nodes), None)
