"""New campaigns on the board are announced (the Label page's list updates itself from it)."""

from __future__ import annotations

import asyncio

import pytest

from app.workers.campaign_watch import watch_campaigns


class Board:
    def __init__(self, counts: list[int]) -> None:
        self.counts = counts

    async def campaign_count(self) -> int:
        return self.counts.pop(0) if len(self.counts) > 1 else self.counts[0]


def test_only_a_grown_count_is_announced_and_the_first_read_is_the_baseline() -> None:
    board, heard, reads = Board([2, 2, 3, 3, 5]), [], []

    async def sleep(_s: float) -> None:
        reads.append(1)
        if len(reads) == 5:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(watch_campaigns(board, heard.append, sleep=sleep))
    assert heard == [3, 5]
