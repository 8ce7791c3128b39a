"""The GUI-thread garbage collector: automatic collection is off while it runs, and its timer frees
cycles once the allocation count passes the threshold, on the GUI thread."""

from __future__ import annotations

import gc
import threading
import weakref

from app.ui.main_thread_gc import MainThreadCollector


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_cycles_are_collected_by_the_timer_on_the_gui_thread(qapp, qtbot) -> None:
    was_enabled = gc.isenabled()
    collector = MainThreadCollector(interval_ms=20)
    try:
        assert not gc.isenabled()
        seen: list[str] = []
        node = Node()
        weakref.finalize(node, lambda: seen.append(threading.current_thread().name))
        del node
        garbage = [Node() for _ in range(2 * gc.get_threshold()[0])]  # past the first threshold
        del garbage
        qtbot.waitUntil(lambda: seen != [], timeout=10000)
        assert seen == [threading.main_thread().name]
    finally:
        collector.stop()
        collector.deleteLater()
    assert gc.isenabled() == was_enabled
