"""The core event primitive: weak listeners, unsubscribe, delivery onto the listener's loop,
and one failing listener not silencing the others."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import weakref

import pytest

from app.events import Events


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[object, ...]] = []
        self.threads: list[int] = []

    def on_event(self, *args: object) -> None:
        self.seen.append(args)
        self.threads.append(threading.get_ident())


def test_a_listener_gets_the_arguments_of_each_emit() -> None:
    events = Events("changed")
    rec = Recorder()
    events.connect("changed", rec.on_event)
    events.emit("changed", 1, "a")
    events.emit("changed")
    assert rec.seen == [(1, "a"), ()]


def test_an_unknown_event_name_fails_at_once() -> None:
    events = Events("changed")
    with pytest.raises(KeyError, match="chnaged"):
        events.connect("chnaged", print)
    with pytest.raises(KeyError):
        events.emit("nope")


def test_a_deleted_listener_object_is_not_called_and_not_kept() -> None:
    events = Events("changed")
    rec = Recorder()
    events.connect("changed", rec.on_event)
    assert events.count("changed") == 1
    del rec
    gc.collect()
    assert events.count("changed") == 0
    assert events._entries["changed"] == []  # pruned, not only skipped: nothing accumulates
    events.emit("changed", 1)  # nothing to call, nothing raised


def test_the_core_does_not_keep_a_listener_object_alive() -> None:
    events = Events("changed")
    rec = Recorder()
    events.connect("changed", rec.on_event)
    alive = weakref.ref(rec)
    del rec
    gc.collect()
    assert alive() is None


def test_plain_functions_are_held_until_disconnected() -> None:
    events = Events("changed")
    seen: list[int] = []
    events.connect("changed", lambda value: seen.append(value))
    gc.collect()
    events.emit("changed", 1)
    assert seen == [1]


def test_disconnect_and_the_returned_unsubscribe_stop_delivery() -> None:
    events = Events("changed", "other")
    rec, seen = Recorder(), []
    events.connect("changed", rec.on_event)
    unsubscribe = events.connect("changed", seen.append)
    events.connect("other", rec.on_event)
    events.disconnect("changed", rec.on_event)
    unsubscribe()
    events.emit("changed", 1)
    events.emit("other", 2)
    assert rec.seen == [(2,)]  # only the other event's subscription is left
    assert seen == []
    events.disconnect("changed", rec.on_event)  # twice is fine


def test_a_failing_listener_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    events = Events("changed")
    seen: list[int] = []

    def broken(value: int) -> None:
        raise ValueError("boom")

    events.connect("changed", broken)
    events.connect("changed", seen.append)
    with caplog.at_level(logging.ERROR, logger="app.events"):
        events.emit("changed", 7)
    assert seen == [7]
    assert "a listener of event changed failed" in caplog.text
    assert "boom" in caplog.text


def test_an_emit_from_another_thread_is_delivered_on_the_listeners_loop() -> None:
    events = Events("died")
    rec = Recorder()

    async def main() -> int:
        events.connect("died", rec.on_event)  # connected on the loop
        loop_thread = threading.get_ident()
        emitter = threading.Thread(target=events.emit, args=("died", "watchdog"))
        emitter.start()
        emitter.join()
        assert rec.seen == []  # queued onto the loop, not called on the watchdog thread
        for _ in range(10):
            await asyncio.sleep(0)
            if rec.seen:
                break
        return loop_thread

    loop_thread = asyncio.run(main())
    assert rec.seen == [("watchdog",)]
    assert rec.threads == [loop_thread]


def test_an_emit_on_the_loop_reaches_its_listeners_before_emit_returns() -> None:
    events = Events("changed")
    rec = Recorder()

    async def main() -> None:
        events.connect("changed", rec.on_event)
        events.emit("changed", 1)
        assert rec.seen == [(1,)]

    asyncio.run(main())


def test_a_listener_whose_loop_has_closed_is_called_on_the_emitting_thread() -> None:
    events = Events("changed")
    rec = Recorder()

    async def main() -> None:
        events.connect("changed", rec.on_event)

    asyncio.run(main())
    emitter = threading.Thread(target=events.emit, args=("changed", 1))
    emitter.start()
    emitter.join()
    assert rec.seen == [(1,)]
