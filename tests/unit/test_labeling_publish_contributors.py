"""Which contributors a published dataset names: its settled campaign, else a tree.

The full publish runs on anvil (tests/integration/test_labeling_service.py, tree path); here the
one decision, with a board that does or does not implement ILabelingRecord.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from web3 import AsyncWeb3

from app.labeling.publish import campaign_settled

SETTLED_ABI = {
    "type": "function", "name": "isSettled", "stateMutability": "view",
    "inputs": [{"name": "campaignId", "type": "uint256"}], "outputs": [{"name": "", "type": "bool"}],
}  # fmt: skip


class Client:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[Any] = []

    async def ask(self, awaitable: Any) -> Any:
        awaitable.close()  # the coroutine of a call to no node: not awaited
        self.asked.append(awaitable)
        return self.answer


def service(abi: list[dict[str, Any]], answer: bool) -> Any:
    contract = AsyncWeb3().eth.contract(address="0x" + "11" * 20, abi=abi)
    return SimpleNamespace(board=SimpleNamespace(contract=contract, client=Client(answer)))


def test_a_settled_campaign_backs_the_asset_and_an_open_one_does_not() -> None:
    assert asyncio.run(campaign_settled(service([SETTLED_ABI], True), 1)) is True
    assert asyncio.run(campaign_settled(service([SETTLED_ABI], False), 1)) is False
