"""Canvas frame time: a 1,000-node, 1,500-edge graph painted offscreen while panning.

Prints ``canvas_frame_ms_1000_nodes: X`` (goal <= 16): the median time to pan the view by a few
pixels and repaint its viewport synchronously, at a zoom that shows a few hundred nodes at once.
Extra lines give the 95th percentile and the time to build the scene from the graph model.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import random
import statistics
import time

from PySide6.QtWidgets import QApplication

from app.studio.graph import Edge, Graph, Node, Position
from app.studio.graph_model import GraphModel
from app.ui.studio.scene import StudioScene
from app.ui.studio.view import CanvasView
from app.ui.theme import DARK

NODES = 1_000
EDGES = 1_500
FRAMES = 240
COLUMNS = 40


def big_graph() -> Graph:
    """A grid of prompt templates with two inputs each, wired left to right at random."""
    rng = random.Random(7)
    nodes = [
        Node(
            id=f"n{i}",
            type="prompt_template",
            position=Position(x=(i % COLUMNS) * 260, y=(i // COLUMNS) * 120),
            config={"template": "{{ a }} {{ b }}"},
        )
        for i in range(NODES)
    ]
    edges: list[Edge] = []
    used: set[tuple[int, str]] = set()
    while len(edges) < EDGES:
        target = rng.randrange(NODES)
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


def main() -> None:
    app = QApplication.instance() or QApplication([])
    graph = big_graph()
    started = time.perf_counter()
    model = GraphModel(graph)
    scene = StudioScene(model, DARK)
    view = CanvasView(scene)
    build_ms = (time.perf_counter() - started) * 1000
    view.resize(1600, 1000)
    view.show()
    app.processEvents()
    view.zoom_by(0.5)
    view.centerOn(COLUMNS * 130, 600)
    for _ in range(10):  # warm the item caches
        view.viewport().repaint()
    times = []
    for frame in range(FRAMES):
        step = 6 if (frame // 60) % 2 == 0 else -6
        t0 = time.perf_counter()
        view.pan_by(step, step / 2)
        view.viewport().repaint()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(f"canvas_frame_ms_1000_nodes: {statistics.median(times):.2f}")
    print(f"canvas_frame_ms_p95: {times[int(len(times) * 0.95)]:.2f}")
    print(f"canvas_visible_nodes: {len(view.items(view.viewport().rect()))} items at zoom {view.zoom():.2f}")
    print(f"canvas_scene_build_ms: {build_ms:.0f}")
    view.close()


if __name__ == "__main__":
    main()
