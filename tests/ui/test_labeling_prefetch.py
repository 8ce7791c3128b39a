"""Prefetching: the items ahead of the cursor are fetched and decoded off the GUI thread, so the
next one is on screen at the key press; the window slides; decoding respects the view's size."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from labeler_fakes import DIGITS, Images, image_items, png
from PySide6.QtCore import QSize, Qt
from PySide6.QtTest import QTest

from app.labeling.schema import TaskType
from app.labeling.session import LabelingSession
from app.ui.labeling.labeler.labeling_view import LabelingView
from app.ui.labeling.labeler.prefetch import Prefetcher, decode, image_size
from app.ui.theme import DARK


@pytest.fixture
def view(app, qtbot) -> Iterator[LabelingView]:
    widget = LabelingView(DARK)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def test_the_next_items_are_ready_before_the_key_press(view, qtbot) -> None:
    threads: set[str] = set()
    images = Images()

    def fetch(item):
        threads.add(threading.current_thread().name)
        return images(item)

    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, DIGITS, image_items(30))
    view.open(session, fetch, title="Digits", ahead=4)
    prefetcher = view.prefetcher
    qtbot.waitUntil(lambda: all(prefetcher.get(f"img{i}") is not None for i in range(5)))
    assert threading.current_thread().name not in threads and all(
        t.startswith("label-prefetch") for t in threads
    )
    assert prefetcher.get("img6") is None, "only `ahead` items ahead"
    for expected in range(1, 5):
        QTest.keyClick(view.canvas, Qt.Key.Key_Right)
        assert view.canvas.has_image and view.shown_item == f"img{expected}", "shown at the key press"
    qtbot.waitUntil(lambda: prefetcher.get("img8") is not None)
    assert prefetcher.get("img0") is None, "dropped once it is more than two behind"
    assert images.calls.count("img3") == 1, "each item fetched once"


def test_without_prefetch_an_item_shows_loading_until_it_arrives(view, qtbot) -> None:
    gate = threading.Event()

    def fetch(item):
        gate.wait(5)
        return png()

    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, DIGITS, image_items(3))
    view.open(session, fetch, title="Digits", ahead=0)
    assert view.canvas.message.text() == "Loading…" and not view.canvas.has_image
    gate.set()
    qtbot.waitUntil(lambda: view.canvas.has_image)
    assert view.prefetcher.get("img1") is None


def test_a_new_batch_drops_the_old_batchs_late_results(app, qtbot) -> None:
    gate = threading.Event()

    def slow(item):
        gate.wait(5)
        return png()

    prefetcher = Prefetcher(slow, ahead=2)
    try:
        prefetcher.set_items(image_items(3, "old"))
        prefetcher.set_cursor(0)
        prefetcher.set_items(image_items(3, "new"))
        gate.set()
        prefetcher.set_cursor(0)
        qtbot.waitUntil(lambda: prefetcher.get("new2") is not None)
        assert prefetcher.get("old0") is None
    finally:
        prefetcher.shutdown()


def test_decode_scales_to_fit_and_reads_the_size_from_the_header(app) -> None:
    data = png(3000, 1000)
    assert image_size(data) == QSize(3000, 1000)
    preview = decode(data, QSize(1200, 900))
    assert (preview.width(), preview.height()) == (1200, 400)
    assert decode(png(40, 30), QSize(1200, 900)).size() == QSize(40, 30), "small images are not enlarged"
    assert decode(b"not an image").isNull()


def test_leaving_a_batch_does_not_wait_for_a_fetch_on_the_network(view, qtbot) -> None:
    gate = threading.Event()

    def fetch(item):
        gate.wait(5)
        return png()

    session = LabelingSession(TaskType.IMAGE_CLASSIFICATION, DIGITS, image_items(3))
    view.open(session, fetch, title="Digits")
    started = time.perf_counter()
    view.close_batch()
    assert time.perf_counter() - started < 0.5, "the window does not freeze on a slow storage node"
    retired = view._retired[0]
    assert not retired.idle
    gate.set()
    qtbot.waitUntil(lambda: retired.idle)


def test_at_a_move_only_the_item_under_the_cursor_is_fetched_at_once(app, qtbot) -> None:
    """The ones around it follow ``AROUND_DELAY_MS`` later: a worker woken at the key press would
    compete with the key's handling and the next item's paint for the GIL and the CPU."""
    asked: list[str] = []

    def fetch(item):
        asked.append(item.id)
        return png()

    prefetcher = Prefetcher(fetch, ahead=3)
    try:
        prefetcher.set_items(image_items(6, "m"))
        prefetcher.set_cursor(1)
        time.sleep(0.2)  # the workers run meanwhile; the GUI's loop (and so the timer) does not
        assert asked == ["m1"]
        qtbot.waitUntil(lambda: all(prefetcher.get(f"m{i}") is not None for i in range(5)))
        assert sorted(asked) == ["m0", "m1", "m2", "m3", "m4"]
    finally:
        prefetcher.shutdown()
