"""Copy, paste and duplicate: selected nodes (and the wires between them) as JSON on the clipboard."""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from app import safe_json
from app.studio.graph import Edge, Node, Position
from app.studio.graph_model import GraphModel

NODES_MIME = "application/x-sahara-nodes"


def fragment(model: GraphModel, node_ids: set[str]) -> dict:
    nodes = [n.model_dump(mode="json") for n in model.graph.nodes if n.id in node_ids]
    edges = [
        e.model_dump(mode="json") for e in model.graph.edges if e.source in node_ids and e.target in node_ids
    ]
    return {"nodes": nodes, "edges": edges}


def copy(model: GraphModel, node_ids: set[str]) -> bool:
    if not node_ids:
        return False
    mime = QMimeData()
    text = json.dumps(fragment(model, node_ids))
    mime.setData(NODES_MIME, text.encode())
    mime.setText(text)
    QGuiApplication.clipboard().setMimeData(mime)
    return True


def clipboard_fragment() -> dict | None:
    mime = QGuiApplication.clipboard().mimeData()
    if mime is None or not mime.hasFormat(NODES_MIME):
        return None
    try:
        data = safe_json.loads(bytes(mime.data(NODES_MIME).data()).decode())
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def instantiate(model: GraphModel, data: dict, dx: float, dy: float) -> tuple[list[Node], list[Edge]]:
    """Fresh copies of a fragment's nodes and wires, with new ids, moved by (dx, dy)."""
    nodes: list[Node] = []
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for raw in data.get("nodes", []):
        node = Node.model_validate(raw)
        new_id = _fresh(model, node.type.replace("_", ""), taken)
        ids[node.id] = new_id
        nodes.append(
            node.model_copy(
                update={"id": new_id, "position": Position(x=node.position.x + dx, y=node.position.y + dy)}
            )
        )
    edges: list[Edge] = []
    for raw in data.get("edges", []):
        edge = Edge.model_validate(raw)
        if edge.source in ids and edge.target in ids:
            edge_id = _fresh(model, "edge", taken)
            edges.append(
                edge.model_copy(
                    update={"id": edge_id, "source": ids[edge.source], "target": ids[edge.target]}
                )
            )
    return nodes, edges


def _fresh(model: GraphModel, prefix: str, taken: set[str]) -> str:
    n = 1
    while True:
        candidate = f"{prefix}{n}"
        if candidate not in taken and model.node(candidate) is None and model.edge(candidate) is None:
            taken.add(candidate)
            return candidate
        n += 1
