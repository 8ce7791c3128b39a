"""The operation helper: a busy key, progress then success or failure in words, late results
dropped after a reset, cancel, and the "what changed" signal."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.ui.operations import Op, Operations


@pytest.fixture
def ops(app, loop, qtbot):
    runner = Operations(name="test")
    yield runner
    for task in Operations.cancel_all():
        qtbot.waitUntil(task.done, timeout=5000)


def test_progress_then_success_and_what_changed(ops, qtbot) -> None:
    seen: list[Any] = []
    ops.changed.connect(lambda changes: seen.append(("changed", changes)))

    async def work(say: Any) -> int:
        say("halfway")
        await asyncio.sleep(0)
        return 42

    task = ops.run(
        Op("load", work, busy="starting", progress=seen.append, success=lambda r: seen.append(("ok", r)),
           changes=frozenset({"campaigns"}))
    )  # fmt: skip
    assert task is not None and task.get_name() == "test-load"
    qtbot.waitUntil(task.done)
    assert seen == ["starting", "halfway", None, ("ok", 42), ("changed", frozenset({"campaigns"}))]
    assert not ops.busy("load")


def test_a_second_run_of_a_busy_key_is_ignored(ops, qtbot) -> None:
    gate = asyncio.Event()
    runs: list[int] = []

    async def work(_say: Any) -> None:
        runs.append(1)
        await gate.wait()

    first = ops.run(Op("claim", work))
    assert ops.run(Op("claim", work)) is None and ops.busy("claim")  # a double click
    gate.set()
    qtbot.waitUntil(first.done)
    assert runs == [1] and not ops.busy("claim")


def test_a_failure_is_told_in_words_and_clears_the_progress(app, loop, qtbot) -> None:
    ops = Operations(describe=lambda exc: f"in words: {exc}")
    seen: list[Any] = []

    async def work(_say: Any) -> None:
        raise ConnectionError("node away")

    task = ops.run(Op("load", work, busy="", progress=seen.append, success=seen.append, failure=seen.append))
    qtbot.waitUntil(task.done)
    assert seen == ["", None, "in words: node away"]
    assert task.exception() is None  # handled: nothing reaches the crash dialog


def test_results_that_arrive_after_a_reset_are_dropped(ops, qtbot) -> None:
    gate = asyncio.Event()
    seen: list[Any] = []

    async def work(_say: Any) -> str:
        await gate.wait()
        return "old account's answer"

    stale = ops.run(Op("load", work, progress=seen.append, success=seen.append, changes=frozenset({"x"})))
    ops.changed.connect(seen.append)
    ops.reset()  # another account: the key is free again at once
    assert not ops.busy("load")
    fresh = ops.run(Op("load", lambda _say: asyncio.sleep(0, "new"), success=seen.append))
    gate.set()
    qtbot.waitUntil(lambda: stale.done() and fresh.done())
    assert seen == ["new"]


def test_cancel_stops_the_work_and_tells_neither_success_nor_failure(ops, qtbot) -> None:
    seen: list[Any] = []

    async def work(_say: Any) -> None:
        await asyncio.Event().wait()

    task = ops.run(Op("wait", work, busy="waiting", progress=seen.append, success=seen.append,
                      failure=seen.append))  # fmt: skip
    qtbot.waitUntil(lambda: seen == ["waiting"])
    ops.cancel("wait")
    qtbot.waitUntil(task.done)
    assert task.cancelled() and seen == ["waiting", None] and not ops.busy("wait")


def test_a_read_asked_for_while_one_runs_is_run_again_after_it(ops, qtbot) -> None:
    """A redraw asked for mid-load (an event said the data changed) must not be lost: the first
    load may have read the chain before the change."""
    gate = asyncio.Event()
    reads: list[str] = []
    shown: list[str] = []

    async def first(_say: Any) -> str:
        await gate.wait()
        return "before the change"

    async def second(_say: Any) -> str:
        reads.append("second")
        return "after the change"

    task = ops.run(Op("earnings", first, success=shown.append, again=True))
    assert ops.run(Op("earnings", second, success=shown.append, again=True)) is None
    assert ops.run(Op("earnings", second, success=shown.append, again=True)) is None  # one rerun, the latest
    gate.set()
    qtbot.waitUntil(lambda: task.done() and shown == ["before the change", "after the change"])
    assert reads == ["second"] and not ops.busy("earnings")


def test_quitting_cancels_every_pages_ops_and_tells_no_result(app, loop, qtbot) -> None:
    first, second = Operations(name="one"), Operations(name="two")
    seen: list[Any] = []

    async def forever(_say: Any) -> None:
        await asyncio.Event().wait()

    tasks = [
        ops.run(Op("wait", forever, success=seen.append, failure=seen.append)) for ops in (first, second)
    ]
    assert all(task in Operations._tasks for task in tasks), "held strongly while under way"
    done = loop.create_task(Operations.shutdown())
    qtbot.waitUntil(done.done)
    assert all(task.cancelled() for task in tasks) and seen == []
    assert not any(task in Operations._tasks for task in tasks), "let go once ended"


def test_an_operation_dialog_stays_open_while_its_work_runs(app, loop, qtbot) -> None:
    from app.ui.widgets.dialogs import OperationDialog

    dialog = OperationDialog("test")
    qtbot.addWidget(dialog)
    dialog.show()
    gate = asyncio.Event()

    async def work(_say: Any) -> None:
        await gate.wait()

    task = dialog.ops.run(Op("write", work))
    dialog.reject()  # Esc, Cancel or the close button while a keystore is being written
    assert dialog.isVisible() and dialog.busy, "closing mid-write is refused"
    gate.set()
    qtbot.waitUntil(task.done)
    dialog.reject()
    assert not dialog.isVisible()
