"""The confirmation dialog says what a transaction does in words (raw hex only in the collapsed
details), and the approval callback the outbox flow gets answers with the person's choice."""

from __future__ import annotations

import asyncio

import shiboken6
from eth_abi import encode
from PySide6.QtCore import Qt

from app.ui.theme import LIGHT
from app.ui.wallet.confirm_dialog import ConfirmTxDialog
from app.wallet.tx_summary import TRANSFER, Token, summarize

BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def test_an_eth_send_in_words(qtbot) -> None:
    summary = summarize(
        to=BOB, value=15 * 10**17, data=b"", gas=21_000, max_fee_per_gas=2 * 10**9, chain_id=31337,
        network_name="devnet",
    )  # fmt: skip
    dialog = ConfirmTxDialog(summary, LIGHT)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.action.text() == "Send 1.5 ETH"
    assert dialog.values["To"].text() == BOB
    assert dialog.values["Amount"].text() == "1.5 ETH"
    assert dialog.values["Network fee"].text() == "up to 0.000042 ETH"
    assert dialog.values["Network"].text() == "Local devnet (chain 31337)"
    assert not dialog.details.isVisible(), "raw details start collapsed"
    assert not dialog.confirm_button.isDefault() and not dialog.confirm_button.autoDefault()
    dialog.details_button.click()
    assert dialog.details.isVisible() and "Value: 1500000000000000000 wei" in dialog.details.toPlainText()


def test_an_erc20_transfer_in_words_with_hex_only_in_details(qtbot) -> None:
    data = bytes.fromhex(TRANSFER) + encode(["address", "uint256"], [BOB, 25 * 10**18])
    summary = summarize(
        to=TOKEN, value=0, data=data, gas=60_000, max_fee_per_gas=10**9, chain_id=31337,
        network_name="devnet", tokens={TOKEN: Token("SAHARA")},
    )  # fmt: skip
    dialog = ConfirmTxDialog(summary, LIGHT)
    qtbot.addWidget(dialog)
    text = dialog.text()
    assert text.splitlines()[0] == "Transfer 25 SAHARA"
    assert f"To: {BOB}" in text and "Amount: 25 SAHARA" in text
    assert f"Token contract: SAHARA · {TOKEN}" in text
    assert "Network fee: up to 0.00006 ETH" in text
    assert data.hex() not in text and "a9059cbb" not in text, "no raw hex in the main text"
    assert "0x" + data.hex() in dialog.details.toPlainText()


def test_the_approval_callback_answers_confirm_and_reject(make_shell, runtime, qtbot) -> None:
    shell = make_shell(runtime)
    shell.show()
    summary = summarize(to=BOB, value=1, data=b"", gas=21_000, max_fee_per_gas=1, chain_id=31337)
    answers: list[bool] = []

    async def ask() -> None:
        answers.append(await shell.wallet.approve(summary))

    for button in ("confirm_button", "reject_button", "escape"):
        task = asyncio.get_event_loop().create_task(ask())
        qtbot.waitUntil(
            lambda: shell.wallet.last_confirm is not None and shiboken6.isValid(shell.wallet.last_confirm)
        )
        dialog = shell.wallet.last_confirm
        assert dialog.isVisible()
        if button == "escape":
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        else:
            getattr(dialog, button).click()
        qtbot.waitUntil(task.done)
        shell.wallet.last_confirm = None
    assert answers == [True, False, False]
