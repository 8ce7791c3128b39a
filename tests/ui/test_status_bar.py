"""The status bar and Home page say what is true: starting, online with a live block, or offline."""

from __future__ import annotations

import pytest

from app.runtime import NetworkError


@pytest.fixture
def shell(make_shell, runtime, qtbot):
    shell = make_shell(runtime)
    shell.show()
    return shell


def test_before_start_it_says_the_devnet_is_starting(shell) -> None:
    status = shell.window.status
    assert status.network.text.text() == "Starting devnet…"
    assert status.block.text.text() == "Block —"
    assert status.account.text.text() == "No wallet yet"


def test_live_block_number_from_the_chain_client(shell, chains, qtbot) -> None:
    shell.start_services()
    status = shell.window.status
    qtbot.waitUntil(lambda: status.block.text.text() == "Block 42")
    qtbot.waitUntil(lambda: status.block.text.text() == "Block 43")  # polled again, still live
    assert status.network.text.text() == "devnet"
    home = shell.window.stack.widget(0)
    assert home.chain_tile.value.text() == "31337"
    assert home.rpc_tile.value.text() == "http://127.0.0.1:9"
    assert home.block_tile.value.text().replace(",", "").isdigit()
    assert home.data_tile.value.text() == str(shell.paths.data)


def test_an_unreachable_rpc_shows_offline_then_recovers(shell, chains, qtbot) -> None:
    shell.start_services()
    status = shell.window.status
    qtbot.waitUntil(lambda: bool(chains) and shell.monitor.block is not None)
    chains[0].down = True
    qtbot.waitUntil(lambda: status.network.text.text() == "devnet · offline")
    assert status.block.text.text() == "Block: offline"
    assert "unreachable" in status.network.toolTip()
    chains[0].down = False
    qtbot.waitUntil(lambda: status.network.text.text() == "devnet")
    qtbot.waitUntil(lambda: status.block.text.text().startswith("Block 4"))


def test_a_network_that_cannot_start_is_reported_with_retry(shell, runtime, qtbot) -> None:
    runtime.start_error = NetworkError("The local devnet could not start: anvil was not found")
    shell.start_services()
    status = shell.window.status
    home = shell.window.stack.widget(0)
    qtbot.waitUntil(lambda: status.network.text.text() == "devnet · offline")
    assert "anvil was not found" in status.network.toolTip()
    assert home.problem.isVisible() and "anvil was not found" in home.problem_text.text()

    runtime.start_error = None
    home.retry_button.click()
    qtbot.waitUntil(lambda: status.block.text.text().startswith("Block "))
    qtbot.waitUntil(lambda: status.network.text.text() == "devnet")
    assert not home.problem.isVisible()
    assert runtime.start_calls == 2


def test_devnet_reports_from_a_thread_are_shown_and_reattach(shell, runtime, chains, qtbot) -> None:
    import threading

    shell.start_services()
    qtbot.waitUntil(lambda: shell.monitor.block is not None)
    assert runtime.events.count("devnet") == 1
    runtime.status = type(runtime.status)(rpc_url="http://127.0.0.1:10")
    reporter = threading.Thread(
        target=runtime.events.emit, args=("devnet", "restarted", "The devnet is back on port 10")
    )
    reporter.start()
    reporter.join()
    qtbot.waitUntil(lambda: shell.window.status.message.text() == "The devnet is back on port 10")
    qtbot.waitUntil(lambda: runtime.start_calls == 2)
    qtbot.waitUntil(lambda: chains[-1].rpc_url == "http://127.0.0.1:10" and shell.monitor.block is not None)
    qtbot.waitUntil(lambda: chains[0].closed, timeout=10000)
    assert shell.window.stack.widget(0).rpc_tile.value.text() == "http://127.0.0.1:10"


def test_a_devnet_that_keeps_dying_stops_auto_reattaching(shell, runtime, qtbot) -> None:
    from app.ui.network_monitor import MAX_AUTO_REATTACH

    monitor = shell.monitor
    monitor._reattach.setInterval(1)
    shell.start_services()
    qtbot.waitUntil(lambda: monitor.block is not None)
    for attempt in range(MAX_AUTO_REATTACH):
        monitor.devnet_message.emit("restarted", "The devnet is back on port 10")
        qtbot.waitUntil(lambda n=attempt: runtime.start_calls == n + 2)
    monitor.devnet_message.emit("restarted", "The devnet is back on port 10")
    qtbot.waitUntil(lambda: monitor.state == "offline")
    assert "keeps stopping" in monitor.detail
    assert runtime.start_calls == MAX_AUTO_REATTACH + 1, "no further automatic re-attach"
    home = shell.window.stack.widget(0)
    home.retry_button.click()
    qtbot.waitUntil(lambda: monitor.state == "online")
    monitor.devnet_message.emit("failed", "The devnet died 5 times in 60 s; giving up")
    qtbot.waitUntil(lambda: monitor.state == "offline")
    home = shell.window.stack.widget(0)
    assert home.problem.isVisible() and "giving up" in home.problem_text.text()
    home.retry_button.click()  # the user's Retry always works
    qtbot.waitUntil(lambda: monitor.state == "online")
    assert runtime.start_calls == MAX_AUTO_REATTACH + 3


def test_the_ui_package_does_not_import_web3_before_polling_starts() -> None:
    import subprocess
    import sys

    code = (
        "import sys, os; os.environ['QT_QPA_PLATFORM']='offscreen';"
        "import app.ui.app, app.ui.shell;"
        "print('web3' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
