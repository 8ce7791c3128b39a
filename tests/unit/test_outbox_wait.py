"""``Outbox.wait`` asks for the receipt after a few milliseconds and backs off from there, so an
instant-mining devnet answers a labeler at once while a slow chain sees at most one query per
``interval``."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from app.wallet.outbox import Outbox
from app.wallet.outbox_tracking import FIRST_POLL_S


class CountingOutbox(Outbox):
    """An outbox whose row is mined after ``passes`` tracking passes (no node, no database)."""

    def __init__(self, passes: int) -> None:
        self.passes_left = passes

    def get(self, tx_id: int) -> Any:
        return SimpleNamespace(id=tx_id, status="broadcast" if self.passes_left > 0 else "mined")

    async def track_once(self) -> None:
        self.passes_left -= 1


def test_the_receipt_poll_starts_at_a_few_ms_and_doubles_up_to_the_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    row = asyncio.run(CountingOutbox(passes=9).wait(1, interval=0.2))
    assert row.status == "mined"
    assert slept[0] == FIRST_POLL_S <= 0.005
    assert slept == [min(0.2, FIRST_POLL_S * 2**i) for i in range(8)]
    assert max(slept) == 0.2  # a slow chain is never asked more often than before, once waited on


def test_a_mined_transaction_is_returned_without_sleeping(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    assert asyncio.run(CountingOutbox(passes=1).wait(1)).status == "mined"
    assert slept == []
