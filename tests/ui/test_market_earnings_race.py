"""The Earnings section drops a read that lands after a newer fact: a claim mined after the read
began, or a newer read already shown. Driven step by step with gates (no sleeps): the reads and the
claim are stand-ins here; ``tests/integration/test_market_catalogue_reads.py`` reads a real chain."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.market import earnings
from app.market.earnings import AssetEarning, Claim, Earnings

E18 = 10**18


def owed(amount: int, block: int) -> Earnings:
    return Earnings((AssetEarning(1, "owner", 0, 0, 0, amount, 0),), (1,), block)


@pytest.fixture
def reads(market_page: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[asyncio.Event, Earnings]]:
    """Earnings reads answered in order, each when its gate opens; every shown read recorded."""
    queued: list[tuple[asyncio.Event, Earnings]] = []

    async def read(_ctx: Any, account: Any = None, *, block: Any = None) -> Earnings:
        gate, result = queued.pop(0)
        await gate.wait()
        return result

    async def history(_ctx: Any, account: Any = None, *, block: Any = None) -> list[Any]:
        return []

    monkeypatch.setattr(earnings, "earnings", read)
    monkeypatch.setattr(earnings, "history", history)
    market_page.account.context = lambda: object()
    return queued


def test_a_read_begun_before_the_claim_is_dropped(
    market_page: Any, reads: list[Any], qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[int] = []
    view = market_page.earnings
    original = view.show_earnings
    monkeypatch.setattr(
        view, "show_earnings", lambda found, *rest: (shown.append(found.block), original(found, *rest))
    )
    first, stale, fresh = asyncio.Event(), asyncio.Event(), asyncio.Event()
    reads += [(first, owed(5 * E18, 10)), (stale, owed(5 * E18, 11)), (fresh, owed(0, 12))]
    first.set()
    market_page.show_section(2)
    qtbot.waitUntil(lambda: shown == [10], timeout=5000)
    assert view.claim_button.isEnabled()

    market_page.show_section(2)  # a second read begins (block 11) and waits at its gate
    qtbot.waitUntil(lambda: not reads or reads[0][0] is fresh, timeout=5000)

    async def claim(_ctx: Any, _found: Any = None) -> Claim:
        return Claim(5 * E18, 12)  # mined in block 12, while the read of block 11 is under way

    monkeypatch.setattr(earnings, "claim", claim)
    view.claim_all.emit()
    qtbot.waitUntil(lambda: view.done.isVisibleTo(view), timeout=5000)
    stale.set()  # the read of block 11 lands after the claim: dropped
    qtbot.waitUntil(lambda: reads == [] and not market_page.account.ops.busy("claim"), timeout=5000)
    fresh.set()  # the read the claim asked for (block 12) is shown
    qtbot.waitUntil(lambda: shown == [10, 12], timeout=5000)
    assert view.total.text() == "0 SAHARA" and not view.claim_button.isEnabled()


def test_a_slower_older_read_never_replaces_a_newer_one(
    market_page: Any, reads: list[Any], qtbot: Any
) -> None:
    view, actions = market_page.earnings, market_page.account
    newer = asyncio.Event()
    newer.set()
    reads += [(newer, owed(2 * E18, 20))]
    market_page.show_section(2)
    qtbot.waitUntil(lambda: view.total.text() == "2 SAHARA", timeout=5000)
    late = asyncio.Event()
    reads += [(late, owed(7 * E18, 19))]  # e.g. a node behind the one that answered first
    actions.load_earnings()
    late.set()
    qtbot.waitUntil(lambda: not actions.ops.busy("earnings"), timeout=5000)
    assert view.total.text() == "2 SAHARA"
