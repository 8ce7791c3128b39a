"""Labeling view speed: the next item on screen, keyboard labeling, and panning a 10k x 10k image.

Prints, measured in the same run with and without prefetching:

- ``next_item_p95_ms: X`` (goal <= 16): 2,000 JPEG photos (640 x 480, fetched with a simulated
  2 ms storage read each) stepped through with the → key at 10 ms a step; the time from the key
  press until the item is drawn (the view's viewport repainted). The baseline loads each item
  only when it is asked for (``ahead=0``): fetch and decode after the key press.
- ``labels_per_minute: N``: a scripted labeler that presses each item's class key with QTest as
  soon as the item is on screen (no thinking time: the app's own ceiling), drafts saved to a real
  SQLite file on every key, over 300 items; the baseline again without prefetching.
- ``pan_frame_ms: X`` (goal <= 16): a 10,000 x 10,000 JPEG at 100 % zoom, panned a few pixels and
  repainted synchronously, 240 frames (median; p95 and a 25 % zoom line too).
- ``labeler_wait_p50_ms`` / ``labeler_wait_p95_ms`` (goal p95 <= 16, batch boundaries included):
  the app's real path on a devnet (bench/labeling_chain.py): 300 stored digit PNGs labeled through
  the Label page's flow with claims and submissions on chain; the time from a class key until the
  next item is on screen. The baseline waits on the chain at every boundary (nothing claimed ahead).
  The lines above stay as they were: the view alone, with a simulated 2 ms storage read.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from labeling_chain import labeler_waits
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.labeling.drafts import DraftStore
from app.labeling.schema import Item, LabelClass, LabelSet, TaskType
from app.labeling.session import LabelingSession
from app.ui.labeling.labeler.labeling_view import LabelingView
from app.ui.theme import DARK

IMAGES = 2_000
LABELED = 300
POOL = 24  # distinct photos; item i shows photo i % POOL (each is decoded anew, as a new item is)
FETCH_S = 0.002
STEP_S = 0.010
BIG = 10_000
FRAMES = 240
CLASSES = LabelSet(classes=[LabelClass(name=str(d), hotkey=str(d)) for d in range(10)])


def encode(image: QImage, fmt: str = "JPEG", quality: int = 85) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, fmt, quality)
    return bytes(data.data())


def photo(seed: int, width: int = 640, height: int = 480) -> bytes:
    """A photo-like JPEG: a gradient, shapes and noise (so it compresses and decodes like one)."""
    rng = random.Random(seed)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    for y in range(0, height, 8):
        painter.fillRect(
            0, y, width, 8, QColor.fromHsv((seed * 37 + y // 8) % 360, 90, 120 + y * 100 // height)
        )
    for _ in range(60):
        painter.setBrush(QColor(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        painter.drawEllipse(
            rng.randrange(width), rng.randrange(height), rng.randrange(10, 90), rng.randrange(10, 90)
        )
    for _ in range(4000):
        painter.fillRect(
            rng.randrange(width), rng.randrange(height), 2, 2, QColor(rng.randrange(256), 128, 128)
        )
    painter.end()
    return encode(image)


def items(n: int, prefix: str = "img") -> list[Item]:
    return [Item(id=f"{prefix}{i}", image_cid=f"cid{i}") for i in range(n)]


def fetcher(pool: list[bytes]) -> Callable[[Item], bytes]:
    def fetch(item: Item) -> bytes:
        time.sleep(FETCH_S)  # a storage read and hash check
        return pool[int(item.id.lstrip("abcdefghijklmnopqrstuvwxyz")) % len(pool)]

    return fetch


def wait_shown(app: QApplication, view: LabelingView, item_id: str, timeout: float = 10.0) -> None:
    deadline = time.perf_counter() + timeout
    while view.shown_item != item_id or not view.canvas.has_image:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{item_id} was not shown within {timeout} s")
        app.processEvents()
        time.sleep(0.0002)


def idle(app: QApplication, seconds: float) -> None:
    """The labeler looks at the item: the GUI thread is free, workers prefetch."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.0005)


def next_item_times(app: QApplication, pool: list[bytes], ahead: int) -> list[float]:
    view = LabelingView(DARK)
    view.resize(1400, 900)
    view.show()
    app.processEvents()
    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, CLASSES, items(IMAGES))
    view.open(session, fetcher(pool), title="bench", ahead=ahead)
    wait_shown(app, view, "img0")
    times = []
    for i in range(1, IMAGES):
        idle(app, STEP_S)
        started = time.perf_counter()
        QTest.keyClick(view.canvas, Qt.Key.Key_Right)
        wait_shown(app, view, f"img{i}")
        view.canvas.viewport().repaint()
        times.append((time.perf_counter() - started) * 1000)
    view.shutdown()
    view.close()
    return times


def labels_per_minute(app: QApplication, pool: list[bytes], ahead: int, folder: Path) -> float:
    db = folder / f"bench-{ahead}.db"
    upgrade(db)
    drafts = DraftStore(session_factory(make_engine(db)), 31337, 1, "0x" + "11" * 20)
    view = LabelingView(DARK)
    view.resize(1400, 900)
    view.show()
    app.processEvents()
    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, CLASSES, items(LABELED, "lpm"), drafts)
    view.open(session, fetcher(pool), title="bench", ahead=ahead)
    keys = [getattr(Qt.Key, f"Key_{i % 10}") for i in range(LABELED)]
    started = time.perf_counter()
    for i in range(LABELED):
        wait_shown(app, view, f"lpm{i}")
        view.canvas.viewport().repaint()
        QTest.keyClick(view.canvas, keys[i])
    elapsed = time.perf_counter() - started
    assert session.complete and len(drafts.load_all()) == LABELED
    view.shutdown()
    view.close()
    return LABELED / elapsed * 60


def pan_frames(app: QApplication, zoom: float) -> tuple[list[float], float]:
    image = QImage(BIG, BIG, QImage.Format.Format_RGB32)
    image.fill(QColor("#3b5d4a"))
    painter = QPainter(image)
    rng = random.Random(3)
    for _ in range(3000):
        painter.fillRect(
            rng.randrange(BIG), rng.randrange(BIG), 120, 80, QColor.fromHsv(rng.randrange(360), 120, 200)
        )
    painter.end()
    data = encode(image, quality=80)
    del image
    view = LabelingView(DARK)
    view.resize(1400, 900)
    view.show()
    app.processEvents()
    session = LabelingSession(TaskType.BOUNDING_BOXES, CLASSES, [Item(id="big", image_cid="cid")])
    started = time.perf_counter()
    view.open(session, lambda _item: data, title="bench")
    wait_shown(app, view, "big", timeout=30)
    first_ms = (time.perf_counter() - started) * 1000
    canvas = view.canvas
    canvas.set_zoom(zoom, under_mouse=False)
    canvas.centerOn(QPointF(BIG / 2, BIG / 2))
    canvas.viewport().repaint()
    level = canvas.image.level_for(zoom)
    deadline = time.perf_counter() + 30
    while level is not None and level not in canvas.image.levels and time.perf_counter() < deadline:
        idle(app, 0.01)
    for _ in range(10):
        canvas.viewport().repaint()
    times = []
    for frame in range(FRAMES):
        step = 8 if (frame // 60) % 2 == 0 else -8
        t0 = time.perf_counter()
        canvas.pan_by(step, step / 2)
        canvas.viewport().repaint()
        times.append((time.perf_counter() - t0) * 1000)
    assert canvas.image.largest_pixmap <= 2048, "no full-resolution pixmap"
    view.shutdown()
    view.close()
    return times, first_ms


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[int(len(ordered) * 0.95)]


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    pool = [photo(seed) for seed in range(POOL)]

    fast = next_item_times(app, pool, ahead=8)
    slow = next_item_times(app, pool, ahead=0)
    print(f"next_item_p95_ms: {p95(fast):.2f}")
    print(f"next_item_median_ms: {statistics.median(fast):.2f}")
    print(f"next_item_p95_ms_baseline_no_prefetch: {p95(slow):.2f}")
    print(f"next_item_p95_ratio: {p95(slow) / p95(fast):.1f}x")

    with tempfile.TemporaryDirectory() as folder:
        lpm = labels_per_minute(app, pool, 8, Path(folder))
        lpm_slow = labels_per_minute(app, pool, 0, Path(folder))
    print(f"labels_per_minute: {lpm:.0f}")
    print(f"labels_per_minute_baseline_no_prefetch: {lpm_slow:.0f}")
    print(f"labels_per_minute_ratio: {lpm / lpm_slow:.1f}x")

    frames, first_ms = pan_frames(app, 1.0)
    print(f"pan_frame_ms: {statistics.median(frames):.2f}")
    print(f"pan_frame_ms_p95: {p95(frames):.2f}")
    print(f"big_image_first_show_ms: {first_ms:.0f}")
    quarter, _ = pan_frames(app, 0.25)
    print(f"pan_frame_ms_at_25_percent: {statistics.median(quarter):.2f} (p95 {p95(quarter):.2f})")

    waits, waits_slow = labeler_waits(app)
    print(f"labeler_wait_p50_ms: {statistics.median(waits):.2f}")
    print(f"labeler_wait_p95_ms: {p95(waits):.2f}")
    print(f"labeler_wait_max_ms: {max(waits):.1f}")
    print(f"labeler_wait_p50_ms_baseline_wait_on_chain: {statistics.median(waits_slow):.2f}")
    print(f"labeler_wait_p95_ms_baseline_wait_on_chain: {p95(waits_slow):.2f}")
    print(f"labeler_wait_p95_ratio: {p95(waits_slow) / p95(waits):.1f}x")


if __name__ == "__main__":
    main()
