"""Which contributors a published dataset names: its settled campaign, else a tree.

The full publish runs on anvil (tests/integration/test_labeling_service.py, tree path); here the
one decision, with a board whose ``isSettled`` view answers true or false over JSON-RPC.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from eth_abi import encode

from app.chain.contracts import Deployment
from app.labeling.board_abi import board_abi
from app.labeling.catalog import Board
from app.labeling.publish import campaign_settled

BOARD = "0x" + "11" * 20


def service(answer: bool, asked: list[Any], tmp_path: Path) -> Any:
    async def rpc(method: str, params: list[Any]) -> Any:
        asked.append((method, params))
        return "0x" + encode(["bool"], [answer]).hex()

    board = Board(rpc, Deployment("devnet", 31337, 1, "x", {"TaskBoard": BOARD}), logs=None)  # type: ignore[arg-type]
    return SimpleNamespace(board=board)


def test_a_settled_campaign_backs_the_asset_and_an_open_one_does_not(tmp_path: Path) -> None:
    asked: list[Any] = []
    assert asyncio.run(campaign_settled(service(True, asked, tmp_path), 7)) is True
    assert asyncio.run(campaign_settled(service(False, asked, tmp_path), 7)) is False
    method, (call, block) = asked[0]
    assert method == "eth_call" and call["to"] == BOARD and block == "latest"
    assert call["data"] == board_abi().call_data("isSettled", 7)
