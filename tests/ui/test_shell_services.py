"""The window and its composition root: the services' events reach the widgets on the GUI thread,
and quitting stops the services."""

from __future__ import annotations

import threading

from app.chain.contracts import Deployment


def test_service_reports_reach_the_status_bar_and_settings_from_any_thread(
    make_shell, runtime, qtbot
) -> None:
    shell = make_shell(runtime)
    reporter = threading.Thread(target=shell.services.events.emit, args=("status", "Contracts ready"))
    reporter.start()
    reporter.join()
    qtbot.waitUntil(lambda: shell.window.status.message.text() == "Contracts ready")
    shell.services.events.emit("contracts", None, "Sahara's contracts are not deployed on this network")
    qtbot.waitUntil(lambda: "not deployed" in shell.settings_page.contracts_note.text())
    deployment = Deployment(
        "devnet", 31337, 5, "x", {"TaskBoard": "0x5FbDB2315678afecb367f032d93F642f64180aa3"}
    )
    shell.services.events.emit("contracts", deployment, None)
    qtbot.waitUntil(lambda: "at block 5" in shell.settings_page.contracts_note.text())


def test_quitting_stops_the_services(make_shell, runtime, qtbot) -> None:
    from wallet_fakes import FakeOutbox

    runtime.outbox = FakeOutbox()
    shell = make_shell(runtime)
    shell.show()
    shell.start_services()
    qtbot.waitUntil(lambda: runtime.outbox.runs == 1)
    outbox_task = shell.services._outbox_task
    with qtbot.waitSignal(shell.finished, timeout=20000):
        shell.request_quit()
    assert outbox_task is not None and outbox_task.cancelled()
    assert not shell.services._tasks
