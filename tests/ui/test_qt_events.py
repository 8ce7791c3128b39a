"""The Qt adapter of core events: slots run on the GUI thread whichever thread emits, and a
deleted owner stops the delivery (the core does not keep it, nor call it)."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from app.events import Events
from app.ui.qt_events import relay


def test_an_event_emitted_on_a_thread_reaches_the_slot_on_the_gui_thread(app, qtbot) -> None:
    events = Events("died")
    owner = QObject()
    seen: list[tuple[str, str]] = []
    relay(events, "died", lambda message: seen.append((message, threading.current_thread().name)), owner)
    watchdog = threading.Thread(target=events.emit, args=("died", "gone"), name="watchdog")
    watchdog.start()
    watchdog.join()
    qtbot.waitUntil(lambda: seen != [])
    assert seen == [("gone", threading.main_thread().name)]
    owner.deleteLater()


def test_a_deleted_owner_is_not_called_and_not_kept(app, qtbot) -> None:
    events = Events("changed")
    owner = QObject()
    seen: list[int] = []
    relay(events, "changed", seen.append, owner)
    events.emit("changed", 1)
    assert seen == [1]
    owner.deleteLater()
    qtbot.waitUntil(lambda: events.count("changed") == 0)
    del owner
    gc.collect()
    events.emit("changed", 2)
    app.processEvents()
    assert seen == [1]


def test_close_stops_the_relay_before_its_owner_goes(app) -> None:
    events = Events("changed")
    owner = QObject()
    seen: list[int] = []
    link = relay(events, "changed", seen.append, owner)
    link.close()
    events.emit("changed", 1)
    app.processEvents()
    assert seen == [] and events.count("changed") == 0
    owner.deleteLater()
