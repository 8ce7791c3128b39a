"""The wallet on a real embedded devnet, through the window: onboarding funds the new account, a
send goes through the confirmation dialog and the outbox and is shown mined; afterwards no file
the app wrote (log, database, settings, anything under its home) holds the phrase or a key."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6

from app.chain.devnet import find_anvil
from app.logs import setup_logging
from app.runtime import AppRuntime
from app.ui.operations import Operations
from app.ui.wallet.onboarding_dialog import OnboardingDialog
from app.ui.wallet.send_dialog import SendDialog
from app.wallet.service import WalletService

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(find_anvil() is None, reason="anvil missing: run `make setup`"),
]

BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
PASSWORD = "correct horse battery"


class Capture(logging.Handler):
    """Every log message as it was written, before the file handler's redaction."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def app_logging(paths) -> Iterator[Capture]:
    """The app's real logging (rotating file, redaction) at DEBUG, plus an unredacted capture."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    setup_logging(paths.log_file, "DEBUG", to_stderr=False)
    capture = Capture()
    root.handlers.insert(0, capture)  # first, so it sees messages before a filter rewrites them
    yield capture
    for handler in list(root.handlers):
        root.removeHandler(handler)
        if handler is not capture:
            handler.close()
    for handler in saved:
        root.addHandler(handler)
    root.setLevel(level)


def live(widget) -> bool:
    return widget is not None and shiboken6.isValid(widget) and widget.isVisible()


def find(shell, kind):
    found = [w for w in shell.window.findChildren(kind) if live(w)]
    return found[-1] if found else None


def run_session(app, paths, qtbot, onboard) -> tuple[AppRuntime, dict[str, str]]:
    """Start the app on a devnet, onboard with ``onboard(dialog) -> secrets``, quit in order."""
    from app.ui.shell import Shell

    runtime = AppRuntime.open(paths)
    runtime._wallet = WalletService(paths.data / "wallet", scrypt_n=1 << 12)  # the real one, faster
    shell = Shell(app, runtime, paths)
    try:
        shell.show()
        shell.start_services()
        qtbot.waitUntil(
            lambda: runtime.outbox is not None and shell.wallet.network is not None, timeout=60000
        )
        banner = shell.window.banners()[0]
        banner.action_button.click()
        dialog = find(shell, OnboardingDialog)
        secrets = onboard(dialog)
        qtbot.waitUntil(lambda: dialog.finish.fund.state in ("done", "failed"), timeout=90000)
        assert dialog.finish.fund.state == "done", dialog.finish.error.text()
        account = runtime.wallet.accounts()[0]
        secrets["key"] = bytes(runtime.wallet.signer().key).hex()
        page = shell.window.stack.widget(5)
        qtbot.waitUntil(lambda: page.balance.text() == "10 ETH", timeout=20000)
        assert shell.window.status.account.text.text().startswith("Account 1 · ")
        dialog.next()  # Open wallet
        assert shell.window.current_page() == 5

        page.send_button.click()
        send = find(shell, SendDialog)
        send.to.setText(BOB.lower())  # no checksum to check: accepted, checksummed for the confirmation
        send.amount.setText("1")
        send.review()
        qtbot.waitUntil(lambda: live(shell.wallet.last_confirm), timeout=30000)
        confirm = shell.wallet.last_confirm
        assert confirm.action.text() == "Send 1 ETH"
        assert confirm.values["To"].text() == BOB
        assert confirm.values["Network"].text() == "Local devnet (chain 31337)"
        assert confirm.values["Network fee"].text().startswith("up to 0.")
        confirm.confirm_button.click()

        def sent_row():
            return next((r for r in page.history.rows if r.title.text() == "Sent 1 ETH to 0x7099…79C8"), None)

        qtbot.waitUntil(lambda: sent_row() is not None and sent_row().status.text() == "Mined", timeout=60000)
        assert page.history.rows[0] is sent_row(), "newest first"
        assert "block" in sent_row().details.text() and "fee ≤" in sent_row().details.text()
        assert any(r.title.text() == "Received 10 ETH from the devnet faucet" for r in page.history.rows)
        qtbot.waitUntil(lambda: page.balance.text().startswith("8.99"), timeout=20000)
        assert page.outbox_status.text() == "all sent"
        sent = runtime.outbox.history(account.address)[0]
        assert sent.status == "mined" and sent.to == BOB and int(sent.value) == 10**18
        with qtbot.waitSignal(shell.finished, timeout=20000):
            shell.request_quit()
        assert runtime.client is None, "runtime.aclose() ran at quit"
    finally:
        for task in Operations.cancel_all():
            qtbot.waitUntil(task.done, timeout=10000)
        shell.tray.dispose()
        shell.window.close_for_quit()
        runtime.shutdown()
        shell.window.deleteLater()
        shell.deleteLater()
    return runtime, secrets


def assert_no_secret_in_files(home: Path, secrets: dict[str, str], capture: Capture) -> None:
    """Neither the phrase nor the key, in any form, in any file under ``home`` or any log message."""
    key = secrets["key"].removeprefix("0x").lower()
    needles = [key.encode(), key.upper().encode(), bytes.fromhex(key)]
    if "phrase" in secrets:
        needles.append(secrets["phrase"].encode())
    files = [p for p in home.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"sahara.log", "sahara.db", "settings.json", "keystore.json"} <= names, names
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"a secret is in {path}"
    text = "\n".join(capture.messages)
    assert text, "the session logged"
    assert key not in text.lower() and secrets.get("phrase", key) not in text, "a secret was logged"


def test_onboarding_funding_and_a_send_on_a_devnet_leave_no_secret_behind(
    app, loop, paths, qtbot, app_logging
):
    def create(dialog: OnboardingDialog) -> dict[str, str]:
        dialog.next()
        words = dialog.words.grid.words()
        dialog.words.written.setChecked(True)
        dialog.next()
        for position, field in dialog.confirm.fields.items():
            field.setText(words[position - 1])
        dialog.next()
        dialog.password.password.setText(PASSWORD)
        dialog.password.repeat.setText(PASSWORD)
        dialog.next()
        dialog.next()  # Create wallet on the local devnet
        return {"phrase": " ".join(words)}

    _runtime, secrets = run_session(app, paths, qtbot, create)
    assert len(secrets["phrase"].split()) == 12
    assert_no_secret_in_files(paths.config.parent, secrets, app_logging)


def test_an_imported_private_key_leaves_no_trace_either(app, loop, paths, qtbot, app_logging):
    from eth_account import Account

    fresh = "0x" + bytes(Account.create().key).hex()  # an empty account: its balance is the faucet's

    def import_key(dialog: OnboardingDialog) -> dict[str, str]:
        dialog.start.import_.setChecked(True)
        dialog.next()
        dialog.import_.key_tab.click()
        dialog.import_.key.setText(fresh)
        dialog.next()
        dialog.password.password.setText(PASSWORD)
        dialog.password.repeat.setText(PASSWORD)
        dialog.next()
        dialog.next()
        return {}

    _runtime, secrets = run_session(app, paths, qtbot, import_key)
    assert secrets["key"] == fresh.removeprefix("0x")
    assert_no_secret_in_files(paths.config.parent, secrets, app_logging)
