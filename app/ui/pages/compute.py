"""Compute: rent this computer's GPU to the network.

Three tabs: **Worker** (on/off and the one-click pause with what the worker does now and why, the
current job with every check of its work, this computer's GPUs, providers and benchmark score),
**Rules** (when it may work, live from its last look at the OS) and **Earnings** (per day with a
chart, per job, the money on the market with Withdraw pay / Unbond stake / Withdraw stake, and a
picked job's checks). The worker itself runs in the composition root (``NetworkServices.worker``);
``WorkerLink`` follows it, and every read or transaction here runs as an operation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.compute import machine, payouts
from app.compute.jobs import ORT_PROVIDER
from app.compute.work_checks import job_checks
from app.settings import ComputeSettings
from app.ui.compute.earnings_view import EarningsView
from app.ui.compute.job_view import JobChecksView
from app.ui.compute.link import WorkerLink
from app.ui.compute.machine_view import MachineView
from app.ui.compute.rules_editor import RulesEditor
from app.ui.compute.worker_card import WorkerCard
from app.ui.operations import Op, Operations
from app.ui.theme import Colors
from app.ui.widgets import styled_label
from app.ui.widgets.segmented import segmented
from app.words import sahara

TABS = ["Worker", "Rules", "Earnings"]
NO_WORKER_EARNINGS = "Earnings show while the worker is on (they are read with its account)."


def _scrolled(*widgets: QWidget) -> QScrollArea:
    inner = QWidget()
    inner.setObjectName("PageBody")
    column = QVBoxLayout(inner)
    column.setContentsMargins(0, 0, 8, 0)
    column.setSpacing(14)
    for widget in widgets:
        column.addWidget(widget)
    column.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(inner)
    return scroll


class ComputePage(QWidget):
    def __init__(
        self,
        colors: Colors,
        link: WorkerLink,
        rules: ComputeSettings,
        save: Callable[[], None],
        cache: Path,
    ) -> None:
        super().__init__()
        self.title = "Compute"
        self.colors, self.link, self.cache = colors, link, cache
        self.ops = Operations(name="compute", parent=self)  # reads and sends with the worker's account
        self.machine_ops = Operations(
            name="compute-machine", parent=self
        )  # this computer: kept across workers
        self.today: Callable[[], date] = date.today
        self._machine_loaded = False
        self._current_job: int | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 22, 32, 16)
        outer.setSpacing(14)
        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(styled_label("Compute", "title"))
        titles.addWidget(styled_label("Rent this computer's GPU to the network while you are not using it.",
                                      "subtitle", wrap=True))  # fmt: skip
        header.addLayout(titles, 1)
        tabs, self.tabs, self.tab_buttons = segmented(list(TABS), self)
        header.addLayout(tabs)
        self.tabs.idClicked.connect(self.show_tab)
        outer.addLayout(header)

        self.worker_card = WorkerCard(colors)
        self.current_job = JobChecksView()
        self.machine = MachineView()
        self.rules = RulesEditor(rules, save)
        self.earnings = EarningsView(colors)
        self.picked_job = JobChecksView()
        self.picked_job.show_job(None, "Pick a job above to see its checks")
        self.stack = QStackedWidget()
        self.stack.addWidget(_scrolled(self.worker_card, self.current_job, self.machine))
        self.stack.addWidget(_scrolled(self.rules))
        self.stack.addWidget(_scrolled(self.earnings, self.picked_job))
        outer.addWidget(self.stack, 1)
        self.show_tab(0)

        self.worker_card.enable_requested.connect(link.set_enabled)
        self.worker_card.pause_requested.connect(link.set_paused)
        self.machine.refresh_requested.connect(self.load_machine)
        self.machine.measure_requested.connect(lambda: self.measure(force=True))
        self.current_job.refresh_requested.connect(lambda job: self.load_checks(job, self.current_job))
        self.picked_job.refresh_requested.connect(lambda job: self.load_checks(job, self.picked_job))
        self.earnings.job_selected.connect(lambda job: self.load_checks(job, self.picked_job))
        self.earnings.refresh_requested.connect(self.load_earnings)
        self.earnings.withdraw_requested.connect(self.withdraw_pay)
        self.earnings.unbond_requested.connect(self.unbond)
        self.earnings.withdraw_stake_requested.connect(self.withdraw_stake)
        link.state_changed.connect(self._on_state)
        link.rules_checked.connect(self.rules.show_decision)
        link.earnings_changed.connect(self.load_earnings)
        link.worker_changed.connect(self._on_worker)
        self._on_worker()

    def show_tab(self, index: int) -> None:
        self.tab_buttons[index].setChecked(True)
        self.stack.setCurrentIndex(index)
        if index == 2:
            self.load_earnings()

    def apply_colors(self, colors: Colors) -> None:
        self.colors = colors
        self.worker_card.apply_colors(colors)
        self.earnings.apply_colors(colors)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._machine_loaded:  # after this event: the window may show before the loop runs
            self._machine_loaded = True
            QTimer.singleShot(0, self.load_machine)

    # -- the worker --------------------------------------------------------------------------------

    def _on_worker(self) -> None:
        self.ops.reset()  # what was read with the last worker's account is dropped
        worker = self.link.worker
        if worker is not None and worker.decision is not None:
            self.rules.show_decision(worker.decision)
        self._on_state(self.link.state)
        self.load_earnings()

    def _on_state(self, state: Any) -> None:
        self.worker_card.show_state(state, self.link.enabled)
        if state.job_id != self._current_job:
            self._current_job = state.job_id
            self.current_job.show_job(state.job_id)
        if state.job_id is not None:  # a new job or a step of it: its checks changed
            self.load_checks(state.job_id, self.current_job)

    # -- this computer -------------------------------------------------------------------------------

    def load_machine(self) -> None:
        async def read(
            _say: Any,
        ) -> tuple[list[machine.GpuReading], str | None, list[machine.ProviderInfo], Any]:
            gpus, problem = await asyncio.to_thread(machine.read_gpus)
            infos = await asyncio.to_thread(machine.execution_providers, None, len(gpus))
            best = ORT_PROVIDER[machine.best_provider(infos).kind]
            return gpus, problem, infos, await asyncio.to_thread(machine.cached_score, self._score_file, best)

        def show(found: tuple[list[machine.GpuReading], str | None, list[machine.ProviderInfo], Any]) -> None:
            gpus, problem, infos, score = found
            self.machine.show_gpus(gpus, problem)
            self.machine.show_providers(infos)
            self.machine.show_score(score)
            if score is None:
                self.measure()

        self.machine_ops.run(Op("machine", read, success=show, failure=self.machine.show_problem))

    @property
    def _score_file(self) -> Path:
        return self.cache / "compute" / "benchmark.json"

    def measure(self, force: bool = False) -> None:
        """Run the benchmark (a few seconds, in a thread) unless a score is cached."""

        async def run(_say: Any) -> machine.Score:
            infos = await asyncio.to_thread(machine.execution_providers)
            provider = ORT_PROVIDER[machine.best_provider(infos).kind]
            return await asyncio.to_thread(machine.benchmark, self._score_file, provider, force=force)

        self.machine.show_score(None, busy=True)
        self.machine_ops.run(
            Op("measure", run, success=self.machine.show_score, failure=self.machine.show_problem)
        )

    # -- jobs, checks and earnings ----------------------------------------------------------------

    def load_checks(self, job_id: int, view: JobChecksView) -> None:
        worker = self.link.worker
        if worker is None:
            view.show_problem("The worker is off: its jobs' checks are read with its account.")
            return
        provider = worker.provider
        view.show_job(job_id)
        view.show_busy()

        async def read(_say: Any) -> list[Any]:
            record = await asyncio.to_thread(provider.ledger.get, job_id)
            if record is None:
                raise KeyError(f"job {job_id} is not one of this worker's")
            return await job_checks(provider.market, record, provider.address)

        self.ops.run(
            Op(f"checks-{id(view)}", read, success=view.show_checks, failure=view.show_problem, again=True)
        )

    def load_earnings(self) -> None:
        worker = self.link.worker
        if worker is None:
            self.earnings.show_jobs([], self.today())
            self.earnings.show_balances(None)
            self.earnings.show_status(NO_WORKER_EARNINGS)
            return
        provider = worker.provider

        async def read(_say: Any) -> tuple[list[payouts.JobEarning], payouts.Balances]:
            jobs = await asyncio.to_thread(payouts.history, provider)
            return jobs, await payouts.balances(provider)

        def show(found: tuple[list[payouts.JobEarning], payouts.Balances]) -> None:
            self.earnings.show_jobs(found[0], self.today())
            self.earnings.show_balances(found[1])
            self.earnings.show_status("")

        self.ops.run(Op("earnings", read, success=show, failure=self.earnings.show_status, again=True))

    def _payout(self, key: str, work: Callable[[Any], Any], done: Callable[[Any], str]) -> None:
        worker = self.link.worker
        if worker is None:
            self.earnings.show_status("Turn the worker on: withdrawals are signed with its account.")
            return
        provider = worker.provider

        def success(result: Any) -> None:
            self.earnings.show_status(done(result))
            self.load_earnings()

        self.earnings.set_busy(True)
        self.ops.run(Op(key, lambda _say: work(provider), busy="Sending…", progress=self._progress,
                        success=success, failure=self._payout_failed))  # fmt: skip

    def _progress(self, text: str | None) -> None:
        if text:
            self.earnings.show_status(text)

    def _payout_failed(self, text: str) -> None:
        self.earnings.show_status(text)
        self.load_earnings()

    def withdraw_pay(self) -> None:
        self._payout(
            "withdraw", payouts.withdraw_pay, lambda wei: f"{sahara(wei)} withdrawn to your account."
        )

    def unbond(self, wei: int) -> None:
        self._payout(
            "unbond", lambda p: payouts.unbond_stake(p, wei),
            lambda at: f"{sahara(wei)} is unbonding; withdraw it after the delay.",
        )  # fmt: skip

    def withdraw_stake(self) -> None:
        self._payout(
            "withdraw-stake", payouts.withdraw_stake, lambda wei: f"{sahara(wei)} of stake withdrawn."
        )
