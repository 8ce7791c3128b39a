"""Canvas frame time: a 1,000-node, 1,500-edge graph painted offscreen while panning, against the
toolkit's own limit measured in the same run.

Prints ``canvas_frame_ms_1000_nodes: X`` (goal <= 16): the median time to pan the view by a few
pixels and repaint its viewport synchronously, at a zoom that shows a few hundred nodes at once.
The baseline is a bare ``QGraphicsView`` holding the same number of plain items (per node a
rectangle with a one-line text, per edge the same bezier path) panned the same way, frame by frame
in turn with ours so both see the same machine load:
``canvas_ratio_vs_bare_view: X`` (goal <= 1.5) is our frame time over its frame time.
``canvas_frame_ms_5000_nodes`` (goal <= 33) repeats the studio measurement on a 5,000-node graph.
Extra lines give the 95th percentile and the time to build the scene from the graph model.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import random
import statistics
import time

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
)

from app.studio.graph import Edge, Graph, Node, Position
from app.studio.graph_model import GraphModel
from app.ui.studio.items import NODE_WIDTH, wire_path
from app.ui.studio.scene import StudioScene
from app.ui.studio.view import CanvasView
from app.ui.theme import DARK

NODES = 1_000
EDGES = 1_500
FRAMES = 240
COLUMNS = 40


def big_graph(count: int = NODES, edge_count: int = EDGES) -> Graph:
    """A grid of prompt templates with two inputs each, wired left to right at random."""
    rng = random.Random(7)
    nodes = [
        Node(
            id=f"n{i}",
            type="prompt_template",
            position=Position(x=(i % COLUMNS) * 260, y=(i // COLUMNS) * 120),
            config={"template": "{{ a }} {{ b }}"},
        )
        for i in range(count)
    ]
    edges: list[Edge] = []
    used: set[tuple[int, str]] = set()
    while len(edges) < edge_count:
        target = rng.randrange(count)
        if target % COLUMNS == 0:
            continue
        port = rng.choice(["a", "b"])
        if (target, port) in used:
            continue
        used.add((target, port))
        source = target - 1 - rng.randrange(min(target % COLUMNS, 3))
        edges.append(
            Edge(
                id=f"e{len(edges)}",
                source=f"n{source}",
                source_port="text",
                target=f"n{target}",
                target_port=port,
            )
        )
    return Graph(name="bench", nodes=nodes, edges=edges)


def bare_view(graph: Graph) -> tuple[QGraphicsView, QGraphicsScene]:
    """The toolkit's limit: the same picture from plain items, no caches, styles or ports."""
    scene = QGraphicsScene()
    pen = QPen()
    pen.setWidthF(2.2)
    for node in graph.nodes:
        rect = QGraphicsRectItem(0, 0, NODE_WIDTH, 80)
        rect.setPos(node.position.x, node.position.y)
        QGraphicsSimpleTextItem(node.id, rect).setPos(10, 6)
        scene.addItem(rect)
    where = {n.id: (n.position.x, n.position.y) for n in graph.nodes}
    for edge in graph.edges:
        (sx, sy), (tx, ty) = where[edge.source], where[edge.target]
        path = QGraphicsPathItem(wire_path(QPointF(sx + NODE_WIDTH, sy + 40), QPointF(tx, ty + 40)))
        path.setPen(pen)
        scene.addItem(path)
    view = QGraphicsView(scene)
    view.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    view.setSceneRect(scene.itemsBoundingRect().adjusted(-5000, -5000, 5000, 5000))
    return view, scene  # the view does not own its scene: the caller keeps it alive


def pan_frames(app: QApplication, views: list[QGraphicsView], frames: int = FRAMES) -> list[list[float]]:
    """Frame times (ms, sorted, one list per view) to pan a few pixels and repaint, at half zoom
    over the graph's middle. The views take turns frame by frame, so a busy machine slows them
    alike and their ratio stays fair."""
    for view in views:
        view.resize(1600, 1000)
        view.show()
        app.processEvents()
        view.scale(0.5 / view.transform().m11(), 0.5 / view.transform().m11())
        view.centerOn(COLUMNS * 130, 600)
        for _ in range(10):  # warm the item caches
            view.viewport().repaint()
    times: list[list[float]] = [[] for _ in views]
    for frame in range(frames):
        step = 6 if (frame // 60) % 2 == 0 else -6
        for view, spent in zip(views, times, strict=True):
            h, v = view.horizontalScrollBar(), view.verticalScrollBar()
            t0 = time.perf_counter()
            h.setValue(h.value() + step)
            v.setValue(v.value() + step // 2)
            view.viewport().repaint()
            spent.append((time.perf_counter() - t0) * 1000)
    return [sorted(spent) for spent in times]


def visible_items(view: QGraphicsView) -> int:
    return len(view.items(view.viewport().rect()))


def studio_view(graph: Graph) -> tuple[CanvasView, StudioScene, float]:
    started = time.perf_counter()
    scene = StudioScene(GraphModel(graph), DARK)
    view = CanvasView(scene)
    return view, scene, (time.perf_counter() - started) * 1000


def main() -> None:
    app = QApplication.instance() or QApplication([])
    graph = big_graph()
    view, _scene, build_ms = studio_view(graph)
    plain_view, _plain_scene = bare_view(graph)
    ours, bare = pan_frames(app, [view, plain_view])
    visible, bare_visible = visible_items(view), visible_items(plain_view)
    view.close()
    plain_view.close()
    big, _big_scene, big_build_ms = studio_view(big_graph(NODES * 5, EDGES * 5))
    (ours_5000,) = pan_frames(app, [big])
    big.close()
    median, bare_median = statistics.median(ours), statistics.median(bare)
    print(f"canvas_frame_ms_1000_nodes: {median:.2f}")
    print(f"canvas_bare_view_frame_ms_1000_nodes: {bare_median:.2f}")
    print(f"canvas_ratio_vs_bare_view: {median / bare_median:.2f}")
    print(f"canvas_frame_ms_5000_nodes: {statistics.median(ours_5000):.2f}")
    print(f"canvas_frame_ms_p95: {ours[int(len(ours) * 0.95)]:.2f}")
    print(f"canvas_visible_items: {visible} (bare view: {bare_visible}) at zoom 0.50")
    print(f"canvas_scene_build_ms: {build_ms:.0f} (5000 nodes: {big_build_ms:.0f})")


if __name__ == "__main__":
    main()
