"""The Wallet page with a wallet: balances from the chain client, accounts (add, rename in place,
switch), live history from the outbox with Speed up / Cancel, Send with its checks and confirmation,
Receive with a QR code, the faucet on the devnet only, and revealing the phrase after the password."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QMouseEvent
from PySide6.QtWidgets import QApplication
from wallet_fakes import ALICE, BOB, FakeClient, FakeOutbox

from app.ui.wallet.receive_dialog import ReceiveDialog
from app.ui.wallet.reveal_dialog import RevealPhraseDialog
from app.ui.wallet.send_dialog import SendDialog
from app.ui.wallet.unlock_dialog import UnlockDialog
from app.ui.wallet.wallet_page import FAUCET_ONLY_DEVNET, SAHARA_LATER
from app.wallet.outbox import ChainMismatch, InsufficientFunds, TxReverted

PASSWORD = "correct horse"
PHRASE = "test test test test test test test test test test test junk"
ETH = 10**18


@pytest.fixture
def shell(make_shell, runtime, qtbot):
    runtime.outbox, runtime.client = FakeOutbox(), FakeClient()
    runtime.client.balances[ALICE] = 10 * ETH
    runtime.wallet.create(PHRASE, PASSWORD)
    shell = make_shell(runtime)
    shell.show()
    shell.window.set_page(5)
    shell.start_services()
    qtbot.waitUntil(lambda: runtime.outbox.runs == 1 and shell.monitor.block is not None)
    return shell


@pytest.fixture
def page(shell):
    return shell.window.stack.widget(5)


def live(widget) -> bool:
    return shiboken6.isValid(widget) and widget.isVisible()


def find(shell, kind):
    found = [w for w in shell.window.findChildren(kind) if live(w)]
    return found[-1] if found else None


def test_the_outbox_loop_runs_once_the_network_is_up(shell, runtime, qtbot) -> None:
    assert runtime.outbox.runs == 1
    shell.monitor.restart()  # a reconnect: the same outbox keeps running
    qtbot.waitUntil(lambda: runtime.start_calls == 2)
    qtbot.wait(50)
    assert runtime.outbox.runs == 1
    assert any(t.get_name() == "outbox" and not t.done() for t in shell.services._tasks)


def test_contracts_are_looked_up_again_only_when_the_network_changes(shell, runtime, qtbot) -> None:
    qtbot.waitUntil(lambda: getattr(runtime, "contract_lookups", 0) == 1)
    shell.monitor.restart()  # a reconnect to the same chain
    qtbot.waitUntil(lambda: runtime.start_calls == 2)
    qtbot.wait(50)
    assert runtime.contract_lookups == 1
    from conftest import FakeStatus

    runtime.status = FakeStatus(name="sepolia", chain_id=11155111)
    shell.monitor.restart()  # a switch (Settings → Network restarts the monitor)
    qtbot.waitUntil(lambda: runtime.contract_lookups == 2)


def test_the_active_account_its_balance_and_the_network(page, shell, qtbot) -> None:
    assert page.account_name.text() == "Account 1"
    assert page.account_address.text() == ALICE
    qtbot.waitUntil(lambda: page.balance.text() == "10 ETH")
    assert page.sahara_note.text() == SAHARA_LATER
    assert page.network_label.text() == "Local devnet (chain 31337) · online"
    assert page.faucet_button.isEnabled()
    assert page.lock_state.text() == "Unlocked" and page.lock_button.text() == "Lock"
    assert page.outbox_status.text() == "all sent"
    assert page.history.empty.text().startswith("No transactions yet")


def test_sahara_balance_once_the_contracts_are_deployed(page, shell, runtime, qtbot, monkeypatch) -> None:
    from types import SimpleNamespace

    from app.wallet import balances

    token = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    assert page.sahara_note.isVisible() and not page.sahara_balance.isVisible()

    async def balance_of(client, contract, address):
        assert contract == token and address == ALICE
        return 25 * ETH

    monkeypatch.setattr(balances, "token_balance", balance_of)
    runtime.deployment = SimpleNamespace(addresses={"SaharaToken": token})
    shell.wallet.refresh_balances()
    qtbot.waitUntil(lambda: page.sahara_balance.text() == "25 SAHARA")
    assert page.sahara_balance.isVisible() and not page.sahara_note.isVisible()
    assert list(shell.wallet.tokens()) == [token] and shell.wallet.tokens()[token].symbol == "SAHARA"


def test_a_wallet_opened_after_the_network_came_up_gets_its_balances(shell, runtime, qtbot) -> None:
    """In the app the wallet opens in a worker thread after first paint (eth-account is slow to
    import); if the network is up first, the balances are fetched when the wallet opens."""
    controller = shell.wallet
    controller.wallet, controller.balances = None, {}
    assert controller.state == "loading"
    controller._loading = None
    controller.start()
    qtbot.waitUntil(lambda: controller.state == "unlocked")
    qtbot.waitUntil(lambda: controller.balances.get(ALICE) == 10 * ETH)


def test_balances_follow_new_blocks_now_and_then(page, shell, runtime, qtbot, monkeypatch) -> None:
    from app.ui.wallet import controller as module

    qtbot.waitUntil(lambda: page.balance.text() == "10 ETH")
    runtime.client.balances[ALICE] = 12 * ETH  # arrived from outside the app
    qtbot.wait(200)
    assert page.balance.text() == "10 ETH", "not on every block"
    monkeypatch.setattr(module, "BALANCE_EVERY_S", 0.0)
    qtbot.waitUntil(lambda: page.balance.text() == "12 ETH")


def test_the_faucet_is_for_the_devnet_only(page, shell, runtime, qtbot) -> None:
    from conftest import FakeStatus

    shell.wallet.on_network_ready(FakeStatus(name="sepolia", chain_id=11155111))
    assert not page.faucet_button.isEnabled() and page.faucet_button.toolTip() == FAUCET_ONLY_DEVNET
    shell.wallet.on_network_ready(FakeStatus())
    assert page.faucet_button.isEnabled()
    page.faucet_button.click()
    qtbot.waitUntil(lambda: runtime.faucet_calls == [ALICE])
    qtbot.waitUntil(lambda: "Faucet: Not connected" in shell.window.status.message.text())


def test_add_rename_and_switch_accounts(page, shell, runtime, qtbot) -> None:
    runtime.wallet.lock()
    qtbot.waitUntil(lambda: page.lock_state.text() == "Locked")
    assert page.locked_note.isVisible()
    page.add_button.click()  # adding needs the password
    unlock = find(shell, UnlockDialog)
    assert unlock is not None
    unlock.prompt.field.setText(PASSWORD)
    unlock.prompt.button.click()
    qtbot.waitUntil(lambda: len(page.accounts.rows) == 2)
    second = page.accounts.rows[1]
    assert (
        second.account.name == "Account 2"
        and second.account.address == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    )
    assert not second.use_button.isHidden() and second.active_badge.isHidden()

    label = second.name_label
    center = QPointF(label.rect().center())
    event = QMouseEvent(
        QEvent.Type.MouseButtonDblClick, center, center, Qt.MouseButton.LeftButton,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(label, event)
    assert second.editing
    second.name_edit.setText("   ")
    qtbot.keyClick(second.name_edit, Qt.Key.Key_Return)
    assert second.editing and "1 to 40 characters" in second.error.text(), "a bad name keeps the editor open"
    second.name_edit.setText("Savings")
    qtbot.keyClick(second.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.accounts.rows[1].account.name == "Savings")
    assert [a.name for a in runtime.wallet.accounts()] == ["Account 1", "Savings"]

    page.accounts.rows[1].use_button.click()
    assert runtime.wallet.active_index == 1
    assert runtime.settings.active_account == 1, "the choice outlives a restart"
    assert page.account_name.text() == "Savings"
    assert shell.window.status.account.text.text() == "Savings · 0x7099…79C8"
    assert not page.accounts.rows[1].active_badge.isHidden()


def test_history_follows_the_outbox_live_with_speed_up_and_cancel(page, shell, runtime, qtbot) -> None:
    outbox = runtime.outbox
    faucet = outbox.add(
        sender=BOB, to=ALICE, value=10 * ETH, status="mined", description="Devnet faucet: 10 ETH",
        block_number=3, gas_used=21_000,
    )  # fmt: skip
    sent = outbox.add(
        sender=ALICE, to=BOB, value=ETH, status="signed", description="Sent 1 ETH to 0x7099…79C8"
    )
    qtbot.waitUntil(lambda: len(page.history.rows) == 2)
    newest, oldest = page.history.rows
    assert newest.title.text() == "Sent 1 ETH to 0x7099…79C8" and newest.status.text() == "Signed"
    assert oldest.title.text() == "Received 10 ETH from the devnet faucet"
    assert oldest.status.text() == "Mined" and oldest.details.text().startswith("Block 3 · 0x")
    assert oldest.speed_up is None, "nothing to do for a received, mined transaction"
    assert page.outbox_status.text() == "1 pending"

    outbox.online = False  # the outbox says so: the line follows without a timer
    qtbot.waitUntil(lambda: page.outbox_status.text() == "offline — 1 pending")
    outbox.online = True
    outbox.settle(sent.id, "broadcast")
    qtbot.waitUntil(lambda: page.history.rows[0].status.text() == "Broadcast")

    page.history.rows[0].speed_up.click()
    qtbot.waitUntil(lambda: shell.wallet.last_confirm is not None and live(shell.wallet.last_confirm))
    confirm = shell.wallet.last_confirm
    assert confirm.action.text() == "Speed up: Send 1 ETH"
    assert confirm.values["Network fee"].text().startswith("up to ")
    confirm.confirm_button.click()
    qtbot.waitUntil(lambda: len(outbox.rows) == 3)
    assert outbox.rows[-1].kind == "speed-up" and outbox.rows[-1].nonce == sent.nonce

    outbox.settle(sent.id, "replaced", error=f"Replaced by {outbox.rows[-1].tx_hash}")
    outbox.settle(outbox.rows[-1].id, "mined", block_number=9, gas_used=21_000)
    qtbot.waitUntil(lambda: page.history.rows[1].status.text() == "Replaced")
    assert "Replaced by 0x" in page.history.rows[1].error.text()
    assert page.history.rows[0].status.text() == "Mined" and "block 9" in page.history.rows[0].details.text()
    assert page.history.rows[0].speed_up is None
    assert faucet.status == "mined"

    failed = outbox.add(
        sender=ALICE, to=BOB, value=ETH, status="failed", error="The transaction reverted on chain."
    )
    qtbot.waitUntil(lambda: page.history.rows[0].tx is failed)
    assert page.history.rows[0].error.text() == "The transaction reverted on chain."


def test_cancel_asks_first_and_rejecting_signs_nothing(page, shell, runtime, qtbot) -> None:
    runtime.outbox.add(sender=ALICE, to=BOB, value=ETH, status="broadcast")
    qtbot.waitUntil(lambda: len(page.history.rows) == 1)
    page.history.rows[0].cancel.click()
    qtbot.waitUntil(lambda: shell.wallet.last_confirm is not None and live(shell.wallet.last_confirm))
    confirm = shell.wallet.last_confirm
    assert confirm.action.text() == "Cancel pending transaction #0"
    assert any("works only if it is mined before" in w.text() for w in confirm.warnings)
    confirm.reject_button.click()
    qtbot.wait(50)
    assert len(runtime.outbox.rows) == 1


def test_send_checks_input_reports_problems_before_signing_and_keeps_it(page, shell, runtime, qtbot) -> None:
    outbox = runtime.outbox
    page.send_button.click()
    dialog = find(shell, SendDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: "10 ETH" in dialog.available.text())
    dialog.to.setText(BOB.replace("C51812", "c51812"))  # one letter's case flipped: bad checksum
    dialog.amount.setText("1,5")
    dialog.review()
    assert "checksum does not match" in dialog.to_status.text()
    assert "dot for decimals" in dialog.amount_status.text()
    assert shell.wallet.last_confirm is None

    dialog.to.setText(BOB)
    dialog.amount.setText("1")
    outbox.funds_error = InsufficientFunds(
        "Not enough ETH for this transaction and its fee: it needs up to 1.0001 ETH"
    )
    dialog.review()
    qtbot.waitUntil(lambda: dialog.error.is_error)
    assert "Not enough ETH" in dialog.error.text()
    assert shell.wallet.last_confirm is None, "insufficient funds are said before any confirmation"
    assert dialog.to.text() == BOB and dialog.amount.text() == "1", "what was typed is kept"
    assert outbox.submitted == []

    outbox.funds_error = TxReverted("This transaction would fail: paused")
    dialog.review()
    qtbot.waitUntil(lambda: "would fail: paused" in dialog.error.text())
    outbox.funds_error = ChainMismatch(
        "The RPC serves chain 1 but this outbox signs for chain 31337; refused"
    )
    dialog.review()
    qtbot.waitUntil(lambda: "signs for chain 31337" in dialog.error.text())
    assert shell.wallet.last_confirm is None and outbox.submitted == []

    outbox.funds_error = None
    dialog.review()
    qtbot.waitUntil(lambda: shell.wallet.last_confirm is not None and live(shell.wallet.last_confirm))
    confirm = shell.wallet.last_confirm
    assert confirm.action.text() == "Send 1 ETH" and confirm.values["To"].text() == BOB
    confirm.reject_button.click()
    qtbot.waitUntil(lambda: "You rejected it" in dialog.error.text())
    assert outbox.submitted == [] and dialog.isVisible()

    shell.wallet.last_confirm = None
    dialog.review()
    qtbot.waitUntil(lambda: shell.wallet.last_confirm is not None and live(shell.wallet.last_confirm))
    shell.wallet.last_confirm.confirm_button.click()
    qtbot.waitUntil(lambda: len(outbox.submitted) == 1)
    request, signer = outbox.submitted[0]
    assert request.intent_id.startswith("send:") and request.to == BOB and request.value == ETH
    assert request.gas == 21_000 and signer.address == ALICE
    qtbot.waitUntil(lambda: not live(dialog))
    qtbot.waitUntil(
        lambda: bool(page.history.rows) and page.history.rows[0].title.text() == "Sent 1 ETH to 0x7099…79C8"
    )


def test_receive_shows_the_address_and_a_qr_code(page, shell, qtbot) -> None:
    page.receive_button.click()
    dialog = find(shell, ReceiveDialog)
    assert dialog.address.text() == ALICE
    try:
        import segno  # noqa: F401 - the QR code needs it
    except ImportError:
        assert "segno package is not installed" in dialog.qr.text()
    else:
        assert dialog.qr.pixmap() is not None and not dialog.qr.pixmap().isNull()
    assert "Local devnet (chain 31337)" in dialog.findChildren(type(dialog.address))[1].text()
    dialog.accept()


def test_the_phrase_is_shown_only_after_the_password_and_copy_is_cleared(page, shell, runtime, qtbot) -> None:
    clipboard = QGuiApplication.clipboard()
    shell.wallet.clipboard.clear_after_ms = 100
    settings = shell.window.stack.widget(6)
    assert settings.reveal_button.isEnabled()
    settings.reveal_button.click()
    dialog = find(shell, RevealPhraseDialog)
    assert dialog.grid.words() == [] and dialog.stack.currentIndex() == 0
    dialog.prompt.field.setText("not it")
    dialog.prompt.button.click()
    qtbot.waitUntil(lambda: dialog.prompt.error.is_error)
    assert dialog.grid.words() == []
    dialog.prompt.field.setText(PASSWORD)
    dialog.prompt.button.click()
    qtbot.waitUntil(lambda: dialog.stack.currentIndex() == 1)
    assert dialog.grid.words() == PHRASE.split()
    assert dialog.prompt.field.text() == "", "the password is not kept in the field"
    dialog.copy_button.click()
    assert clipboard.text() == PHRASE
    qtbot.waitUntil(lambda: clipboard.text() == "", timeout=10000)
    dialog.reject()
    assert dialog.grid.words() == []


def test_the_phrase_dialog_stays_open_while_the_password_is_checked(page, shell, qtbot) -> None:
    """Like unlocking: closing it mid-check would leave scrypt to finish against a deleted dialog."""
    shell.window.stack.widget(6).reveal_button.click()
    dialog = find(shell, RevealPhraseDialog)
    dialog.prompt.field.setText(PASSWORD)
    dialog.prompt.button.click()
    dialog.reject()
    assert dialog.isVisible() and dialog.busy
    qtbot.waitUntil(lambda: dialog.stack.currentIndex() == 1)
    dialog.reject()
    assert not live(dialog)


def test_the_shell_builds_before_the_loop_runs_with_the_wallet_module_loaded(paths) -> None:
    """``run_gui`` builds the shell before the event loop runs; opening an already imported wallet
    then must not start tasks (balances come when the network is ready)."""
    import os
    import subprocess
    import sys

    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtWidgets import QApplication\n"
        "qapp = QApplication([])\n"
        "import app.wallet.service\n"
        "from app.paths import app_paths\n"
        "from app.runtime import AppRuntime\n"
        "from app.ui.shell import Shell\n"
        "runtime = AppRuntime.open(app_paths())\n"
        "shell = Shell(qapp, runtime, app_paths())\n"
        "print(shell.wallet.state, shell.window.status.account.text.text())\n"
        "shell.tray.dispose(); runtime.shutdown()\n"
    )
    env = {**os.environ, "SAHARA_HOME": str(paths.config.parent)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "none No wallet yet"
