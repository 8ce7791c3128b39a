"""The Label page's call runner without Qt: one call of a name at a time, none without a service, and
a swapped service makes the calls under way stale."""

from __future__ import annotations

import asyncio
from typing import Any

from app.ui.labeling.service_calls import ServiceCalls


def test_a_call_runs_once_at_a_time_and_a_new_service_makes_it_stale() -> None:
    async def main() -> None:
        tasks: list[asyncio.Task[Any]] = []

        def spawn(coro: Any, name: str) -> asyncio.Task[Any]:
            tasks.append(asyncio.get_running_loop().create_task(coro, name=name))
            return tasks[-1]

        calls = ServiceCalls(spawn)
        started: list[tuple[str, int]] = []
        gate = asyncio.Event()

        async def load(service: str, epoch: int) -> None:
            started.append((service, epoch))
            await gate.wait()

        calls.run("load", load)
        assert tasks == []  # no service yet
        calls.set_service("first")
        calls.run("load", load)
        calls.run("load", load)  # a second click while the first runs
        await asyncio.sleep(0)
        assert started == [("first", 1)] and calls.busy == {"load"} and tasks[0].get_name() == "label-load"
        calls.set_service("second")
        assert not calls.current(1) and calls.busy == set()
        calls.run("load", load)
        await asyncio.sleep(0)
        assert started[-1] == ("second", 2) and calls.busy == {"load"}
        gate.set()
        await asyncio.gather(*tasks)
        assert calls.busy == set()

    asyncio.run(main())
