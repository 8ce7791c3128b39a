"""Tell listeners when campaigns appear on the board, so the Label page updates itself.

The chain does not push: this reads the board's campaign count (one cheap view call) every few
seconds and calls ``on_new(count)`` when it grew, whoever created the campaign (this window, the
CLI, ``sahara demo labeling``, someone on another machine). The first read only sets the baseline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol


class CampaignCounter(Protocol):
    async def campaign_count(self) -> int: ...


async def watch_campaigns(
    board: CampaignCounter,
    on_new: Callable[[int], None],
    *,
    interval_s: float = 3.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Forever (cancel to stop): ``on_new(count)`` each time the board holds more campaigns."""
    seen: int | None = None
    while True:
        count = await board.campaign_count()
        if seen is not None and count > seen:
            on_new(count)
        seen = count if seen is None else max(seen, count)
        await sleep(interval_s)
