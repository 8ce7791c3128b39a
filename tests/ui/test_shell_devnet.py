"""The shell on a real embedded devnet: the status bar shows blocks the chain really produced,
and ``run_gui`` quits in order on SIGTERM, stopping the devnet it started."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
from PySide6.QtWidgets import QLabel

from app.chain.devnet import Devnet, find_anvil
from app.runtime import AppRuntime
from app.ui.operations import Operations

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(find_anvil() is None, reason="anvil missing: run `make setup`"),
]


def test_status_bar_shows_the_real_devnet_block(app, loop, paths, qtbot) -> None:
    from app.ui.shell import Shell

    runtime = AppRuntime.open(paths)
    shell = Shell(app, runtime, paths)
    try:
        shell.show()
        shell.start_services()
        status = shell.window.status
        qtbot.waitUntil(
            lambda: re.fullmatch(r"Block [\d,]+", status.block.text.text()) is not None, timeout=60000
        )
        first = shell.monitor.block
        assert status.network.text.text() == "devnet"
        home = shell.window.stack.widget(0)
        assert home.chain_tile.value.text() == "31337"
        assert home.rpc_tile.value.text().startswith("http://127.0.0.1:")
        # anvil mines a block a second: the number in the bar moves on by itself.
        qtbot.waitUntil(
            lambda: shell.monitor.block is not None and shell.monitor.block > first, timeout=10000
        )
        assert status.block.text.text() == f"Block {shell.monitor.block:,}"
        # A fresh devnet gets Sahara's contracts by itself; Settings lists where they are.
        qtbot.waitUntil(lambda: runtime.deployment is not None, timeout=60000)
        settings = shell.settings_page
        qtbot.waitUntil(lambda: "Deployed on chain 31337" in settings.contracts_note.text(), timeout=10000)
        shown = {label.text() for label in settings.findChildren(QLabel)}
        assert set(runtime.deployment.addresses.values()) <= shown
        with qtbot.waitSignal(shell.finished, timeout=10000):
            shell.request_quit()
    finally:
        for task in Operations.cancel_all():
            qtbot.waitUntil(task.done, timeout=10000)
        runtime.shutdown()
        shell.window.deleteLater()
        shell.deleteLater()
    assert runtime.devnet is not None and runtime.devnet.status() is None, "quit stops the devnet"


def test_run_gui_quits_cleanly_on_sigterm(paths) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SAHARA_HOME": str(paths.config.parent)}
    code = (
        "import sys; from app.paths import app_paths; from app.ui.app import run_gui; "
        "sys.exit(run_gui(app_paths()))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    devnet = Devnet(paths.devnet)
    try:
        deadline = time.monotonic() + 60
        while devnet.status() is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert devnet.status() is not None, "the app started the devnet"
        time.sleep(1.5)  # let the window poll a block or two
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, out.decode(errors="replace")
    assert devnet.status() is None, "the devnet this app owned is stopped on quit"
    assert "Traceback" not in out.decode(errors="replace")
    settings = paths.settings_file.read_text()
    assert '"window_geometry": "' in settings, "geometry is saved on quit"
