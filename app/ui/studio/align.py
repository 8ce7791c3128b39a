"""Align and distribute the selected nodes: plain geometry that becomes one undoable move."""

from __future__ import annotations

from app.ui.studio.items import NodeItem

Moves = dict[str, tuple[tuple[float, float], tuple[float, float]]]
MODES = {
    "left": "Align left edges",
    "top": "Align top edges",
    "hspread": "Distribute horizontally",
    "vspread": "Distribute vertically",
}


def align(items: list[NodeItem], mode: str) -> Moves:
    """Where each node goes; only nodes that actually move are in the result."""
    if len(items) < 2:
        return {}
    targets: dict[str, tuple[float, float]] = {}
    if mode == "left":
        x = min(i.x() for i in items)
        targets = {i.node_id: (x, i.y()) for i in items}
    elif mode == "top":
        y = min(i.y() for i in items)
        targets = {i.node_id: (i.x(), y) for i in items}
    elif mode in ("hspread", "vspread"):
        axis = 0 if mode == "hspread" else 1
        ordered = sorted(items, key=lambda i: (i.x(), i.y())[axis])
        first, last = (ordered[0].x(), ordered[0].y())[axis], (ordered[-1].x(), ordered[-1].y())[axis]
        step = (last - first) / (len(ordered) - 1)
        for k, item in enumerate(ordered):
            pos = [item.x(), item.y()]
            pos[axis] = round(first + k * step)
            targets[item.node_id] = (pos[0], pos[1])
    else:
        raise ValueError(f"unknown alignment {mode!r}")
    return {
        i.node_id: ((i.x(), i.y()), targets[i.node_id]) for i in items if targets[i.node_id] != (i.x(), i.y())
    }
