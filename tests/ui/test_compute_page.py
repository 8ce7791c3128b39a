"""The Compute page as a GPU owner uses it: turn the worker on (remembered), watch the rules pause it
(idle, battery, schedule) with fake OS probes, pause with one click (the tray follows), see the
current job's checks, this computer, and earnings per day and per job."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from compute_fakes import TOKEN, FakeProbes, FakeServices
from PySide6.QtWidgets import QLabel

from app.compute import machine
from app.compute.jobs import JobStatus
from app.ui.compute.link import WorkerLink, follow_in_tray
from app.ui.pages.compute import ComputePage
from app.ui.theme import DARK, LIGHT
from app.ui.tray import TrayController
from app.workers.compute_worker import pause_flag


@pytest.fixture
def setup(app, loop, qtbot, tmp_path: Path) -> Iterator[tuple[ComputePage, FakeServices, FakeProbes]]:
    probes = FakeProbes()
    services = FakeServices(tmp_path, probes)
    cache = tmp_path / "cache"
    machine.benchmark(cache / "compute" / "benchmark.json", "CPUExecutionProvider", seconds=0.1)
    link = WorkerLink(services)
    page = ComputePage(LIGHT, link, services.runtime.settings.compute, services.save, cache)
    link.setParent(page)
    qtbot.addWidget(page)
    page.resize(960, 640)
    page.show()
    qtbot.waitExposed(page)
    yield page, services, probes
    for task in page.ops.cancel_running() + page.machine_ops.cancel_running() + link.ops.cancel_running():
        qtbot.waitUntil(task.done, timeout=5000)


def texts(widget: Any) -> str:
    return " ".join(label.text() for label in widget.findChildren(QLabel) if label.isVisibleTo(widget))


def check(loop: asyncio.AbstractEventLoop, qtbot: Any, services: FakeServices) -> None:
    assert services.worker is not None
    task = loop.create_task(services.worker.check_rules())
    qtbot.waitUntil(task.done, timeout=5000)


def test_off_then_turned_on_is_remembered(setup, qtbot) -> None:
    page, services, _ = setup
    card = page.worker_card
    assert card.title.text() == "Worker off" and card.enable_button.text() == "Turn on"
    assert card.pause_button.isHidden()
    card.enable_button.click()
    assert services.runtime.settings.compute.enabled and services.saves == 1
    assert card.enable_button.text() == "Turn off" and not card.pause_button.isHidden()
    card.enable_button.click()
    assert not services.runtime.settings.compute.enabled and card.title.text() == "Worker off"


def test_this_computer_without_nvidia_says_so_with_providers_and_score(setup, qtbot) -> None:
    page, _, _ = setup
    qtbot.waitUntil(lambda: "CPU" in page.machine.provider_labels, timeout=10000)
    shown = texts(page.machine)
    gpus, _ = machine.read_gpus()
    assert ("No NVIDIA GPU" in shown) == (not gpus)
    assert page.machine.provider_labels["CPU"].text() == "usable"
    assert page.machine.provider_labels["CoreML"].text() == "not here"
    qtbot.waitUntil(lambda: "digit images a second" in page.machine.score.text(), timeout=10000)


def test_rules_pause_for_activity_and_battery_and_resume_when_idle(setup, qtbot, loop) -> None:
    page, services, probes = setup
    page.worker_card.enable_button.click()
    worker = services.worker
    assert worker is not None
    task = loop.create_task(worker.register())
    qtbot.waitUntil(task.done)
    probes.idle = 20.0
    check(loop, qtbot, services)
    qtbot.waitUntil(lambda: page.worker_card.title.text() == "Paused")
    assert page.worker_card.detail.text().startswith("You are using the computer")
    assert page.rules.chips["idle"].text() == "pausing"
    assert page.rules.chips["battery"].text() == "unavailable"
    assert "no battery was found" in page.rules.notes["battery"].text()
    probes.idle, probes.battery = 900.0, True
    check(loop, qtbot, services)
    qtbot.waitUntil(lambda: page.worker_card.detail.text() == "This computer is on battery")
    assert page.rules.chips["idle"].text() == "holds" and page.rules.chips["battery"].text() == "pausing"
    probes.battery = False
    check(loop, qtbot, services)
    qtbot.waitUntil(lambda: page.worker_card.title.text() == "Idle — waiting for a job")


def test_schedule_edited_in_the_rules_tab_applies_at_the_next_look(setup, qtbot, loop) -> None:
    page, services, _ = setup
    page.worker_card.enable_button.click()
    worker = services.worker
    assert worker is not None
    task = loop.create_task(worker.register())
    qtbot.waitUntil(task.done)
    page.show_tab(1)
    rules = services.runtime.settings.compute
    worker.clock = lambda: datetime(2026, 12, 7, 12, 0)  # Monday noon
    page.rules.switches["schedule"].setChecked(True)
    assert rules.schedule_rule and services.saves >= 2
    check(loop, qtbot, services)
    qtbot.waitUntil(lambda: page.rules.chips["schedule"].text() == "pausing")
    assert "Outside the schedule (22:00–08:00 every day)" in page.worker_card.detail.text()
    page.rules.start.setTime(page.rules.start.time().fromString("09:00", "HH:mm"))
    page.rules.end.setTime(page.rules.end.time().fromString("17:00", "HH:mm"))
    assert (rules.schedule_start, rules.schedule_end) == ("09:00", "17:00")
    check(loop, qtbot, services)
    qtbot.waitUntil(lambda: page.rules.chips["schedule"].text() == "holds")
    page.rules.day_buttons[0].setChecked(False)  # not on Mondays
    assert 0 not in rules.schedule_days
    check(loop, qtbot, services)
    qtbot.waitUntil(lambda: page.rules.chips["schedule"].text() == "pausing")


def test_a_bad_amount_is_refused_in_words_and_the_old_one_kept(setup, qtbot) -> None:
    page, services, _ = setup
    page.show_tab(1)
    before = services.runtime.settings.compute.min_price_wei
    page.rules.min_price.setText("1,5")
    page.rules.min_price.editingFinished.emit()
    assert not page.rules.problem.isHidden() and "dot for decimals" in page.rules.problem.text()
    assert services.runtime.settings.compute.min_price_wei == before
    assert page.rules.min_price.text() == "0.01"
    page.rules.min_price.setText("0.5")
    page.rules.min_price.editingFinished.emit()
    assert services.runtime.settings.compute.min_price_wei == TOKEN // 2 and page.rules.problem.isHidden()


def test_one_click_pause_is_the_trays_and_survives(setup, qtbot, loop, tmp_path: Path) -> None:
    page, services, _ = setup
    tray = TrayController(force_available=False)
    try:
        follow_in_tray(page.link, tray)
        assert not tray.pause_action.isEnabled()
        page.worker_card.enable_button.click()
        worker = services.worker
        assert worker is not None
        task = loop.create_task(worker.register())
        qtbot.waitUntil(task.done)
        qtbot.waitUntil(lambda: tray.pause_action.isEnabled())
        page.worker_card.pause_button.click()
        assert pause_flag(tmp_path).exists() and worker.provider.paused
        qtbot.waitUntil(lambda: tray.phase == "paused" and tray.pause_action.isChecked())
        assert page.worker_card.pause_button.text() == "Resume"
        tray.pause_action.trigger()  # resume from the tray
        qtbot.waitUntil(lambda: page.worker_card.title.text() == "Idle — waiting for a job")
        assert not pause_flag(tmp_path).exists() and not worker.provider.paused
    finally:
        tray.dispose()


def test_current_job_checks_and_earnings(setup, qtbot, loop) -> None:
    page, services, _ = setup
    page.worker_card.enable_button.click()
    worker = services.worker
    assert worker is not None
    task = loop.create_task(worker.register())
    qtbot.waitUntil(task.done)
    provider = worker.provider
    provider.market.job_status = JobStatus.RUNNING
    provider.step(7, "accepting", payment=TOKEN // 2)
    provider.step(7, "accepted")
    qtbot.waitUntil(lambda: page.worker_card.detail.text() == "Running job 7")
    qtbot.waitUntil(lambda: len(page.current_job.rows) == 7, timeout=5000)
    assert page.current_job.title.text() == "Job 7"
    assert ("Sandboxed run", "pending", "not run yet") in page.current_job.rows
    provider.market.job_status = JobStatus.SUBMITTED
    provider.step(7, "sealed", result_hash="0x" + "ab" * 32, envelope_cid="bafkrei")
    provider.step(7, "submitted")
    page.current_job.refresh_button.click()
    qtbot.waitUntil(lambda: ("Result hash on chain", "passed") in [r[:2] for r in page.current_job.rows])
    provider.market.owed = TOKEN // 4
    provider.step(7, "paid")
    provider.step(8, "accepting", payment=TOKEN)
    provider.step(8, "failed", error="over the memory limit")
    page.show_tab(2)
    view = page.earnings
    qtbot.waitUntil(lambda: view.table.rowCount() == 2, timeout=5000)
    assert view.tiles["today"].value.text() == "0.5 SAHARA"
    assert view.chart.days[-1] == (date.today(), TOKEN // 2)
    assert view.tiles["waiting"].value.text() == "0.25 SAHARA" and view.withdraw_button.isEnabled()
    assert (
        view.table.item(0, 1).text() == "failed" and view.table.item(0, 4).text() == "over the memory limit"
    )
    qtbot.waitUntil(lambda: page.link.today_wei == TOKEN // 2)
    view.table.selectRow(1)
    qtbot.waitUntil(lambda: page.picked_job.title.text() == "Job 7" and len(page.picked_job.rows) == 7)


def test_withdraw_with_nothing_waiting_is_said_in_words(setup, qtbot, loop) -> None:
    page, _services, _ = setup
    page.worker_card.enable_button.click()
    page.show_tab(2)
    page.withdraw_pay()
    qtbot.waitUntil(lambda: "no pay waiting" in page.earnings.status.text(), timeout=5000)


def test_both_themes_restyle_the_page(setup, qtbot) -> None:
    page, _, _ = setup
    page.apply_colors(DARK)
    assert DARK.faint in page.worker_card.dot.styleSheet()
    assert page.earnings.chart._colors is DARK
    page.apply_colors(LIGHT)
    assert LIGHT.faint in page.worker_card.dot.styleSheet()


def test_the_services_remember_the_switch_and_say_why_no_worker_runs(runtime, paths) -> None:
    from app.services import NetworkServices
    from app.settings import load_settings

    services = NetworkServices(runtime, lambda: None)  # type: ignore[arg-type,return-value]
    told: list[str | None] = []
    services.events.connect("worker", lambda: told.append(services.worker_problem))
    services.set_worker_enabled(True)
    assert load_settings(paths.settings_file).settings.compute.enabled, "remembered across restarts"
    assert services.worker is None
    assert told == ["The worker starts once the network and its contracts are ready."]
    services.set_worker_enabled(False)
    assert not load_settings(paths.settings_file).settings.compute.enabled
    assert told[-1] == "The worker is off."


def test_unbonding_asks_how_much_and_refuses_a_bad_amount_in_words(setup, qtbot) -> None:
    page, _, _ = setup
    view = page.earnings
    asked: list[int] = []
    view.unbond_requested.connect(asked.append)
    dialog = view._ask_unbond()
    assert dialog.isVisible() and dialog.textValue() == "0"
    dialog.textValueSelected.emit("lots")
    assert asked == [] and "not a number" in view.status.text()
    dialog.textValueSelected.emit("40")
    assert asked == [40 * TOKEN]
    dialog.close()
