"""The owner's rules: each one with its switch, its value and what it says right now (from the
worker's last look: satisfied, pausing the worker, or unavailable on this computer and why).

Edits are written to the live settings (``app.settings.ComputeSettings``, the object the worker
reads, so a rule applies at its next look) and saved at once; a value the settings refuse is said
under the editor and the old value stays. Price, stake and the VRAM cap are what the worker
registers with, so they apply at its next start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from app.compute.rules import DAYS, Decision
from app.settings import ComputeSettings
from app.ui.widgets import Card, set_role, styled_label
from app.wallet.tx_summary import parse_amount
from app.words import format_units

CHIP = {"ok": ("holds", "chip-mined"), "blocks": ("pausing", "chip-signed"),
        "unavailable": ("unavailable", "chip"), "off": ("off", "chip")}  # fmt: skip


class RulesEditor(Card):
    """The rules, bound to ``rules``; ``save()`` persists the settings after each edit."""

    def __init__(self, rules: ComputeSettings, save: Callable[[], None]) -> None:
        super().__init__()
        self.rules, self._save = rules, save
        self.body.addWidget(styled_label("When the worker may work", "section"))
        self.switches: dict[str, QCheckBox] = {}
        self.chips: dict[str, QLabel] = {}
        self.notes: dict[str, QLabel] = {}

        self.idle_minutes = self._spin(1, 24 * 60, rules.idle_minutes, " min", "idle_minutes")
        self._row("idle", "Work only after no input for", self.idle_minutes)
        self._row("fullscreen", "Pause while a full-screen app is in front")
        self._row("battery", "Pause on battery")
        self.max_temperature = self._spin(40, 110, rules.max_temperature_c, " °C", "max_temperature_c")
        self._row("temperature", "Pause when the GPU is hotter than", self.max_temperature)
        self.start = self._time(rules.schedule_start, "schedule_start")
        self.end = self._time(rules.schedule_end, "schedule_end")
        self.day_buttons: list[QCheckBox] = []
        hours = QWidget()
        line = QHBoxLayout(hours)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(4)
        line.addSpacing(26)
        for widget in (QLabel("from"), self.start, QLabel("to"), self.end):
            line.addWidget(widget)
        line.addSpacing(10)
        for index, name in enumerate(DAYS):
            day = QCheckBox(name[:2])
            day.setChecked(index in rules.schedule_days)
            day.setToolTip(f"The window may start on {name}")
            day.toggled.connect(self._days_changed)
            self.day_buttons.append(day)
            line.addWidget(day)
        line.addStretch(1)
        self._row("schedule", "Work only within a schedule", below=hours)

        limits = QGridLayout()
        limits.setHorizontalSpacing(10)
        self.vram_cap = self._spin(0, 1 << 20, rules.vram_cap_mib, " MiB", "vram_cap_mib")
        self.vram_cap.setSpecialValueText("the whole GPU")
        self.vram_cap.setSingleStep(512)
        self.vram_cap.setMinimumWidth(150)
        self.min_price = self._amount(rules.min_price_wei, "min_price_wei")
        self.stake = self._amount(rules.stake_wei, "stake_wei")
        for row, (caption, widget) in enumerate(
            (("VRAM offered to jobs", self.vram_cap), ("Lowest price taken (SAHARA)", self.min_price),
             ("Stake when registering (SAHARA)", self.stake))
        ):  # fmt: skip
            limits.addWidget(styled_label(caption, "muted"), row, 0)
            limits.addWidget(widget, row, 1)
        limits.setColumnStretch(2, 1)
        self.body.addLayout(limits)
        self.body.addWidget(styled_label("VRAM, price and stake apply when the worker next starts.", "hint"))
        self.problem = styled_label("", "error", wrap=True)
        self.problem.hide()
        self.body.addWidget(self.problem)

    # -- building --------------------------------------------------------------------------------

    def _row(
        self, rule: str, text: str, value: QWidget | None = None, *, below: QWidget | None = None
    ) -> None:
        """A rule: its switch (and value) with what it says now on the right, the reason under it."""
        top = QHBoxLayout()
        top.setSpacing(10)
        switch = QCheckBox(text)
        switch.setChecked(bool(getattr(self.rules, f"{rule}_rule")))
        switch.toggled.connect(lambda on, name=f"{rule}_rule": self._set(name, on))
        top.addWidget(switch)
        if value is not None:
            top.addWidget(value)
        top.addStretch(1)
        chip = styled_label("", "chip")
        top.addWidget(chip)
        self.body.addSpacing(4)
        self.body.addLayout(top)
        if below is not None:
            self.body.addWidget(below)
        note = styled_label("", "hint", wrap=True)
        note.setContentsMargins(26, 0, 0, 0)
        self.body.addWidget(note)
        self.switches[rule], self.chips[rule], self.notes[rule] = switch, chip, note
        self._show(rule, "off" if not switch.isChecked() else "unavailable", "Not checked yet")

    def _spin(self, low: int, high: int, value: int, suffix: str, field: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setSuffix(suffix)
        spin.setMinimumWidth(110)
        spin.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        spin.valueChanged.connect(lambda v: self._set(field, v))
        return spin

    def _time(self, hhmm: str, field: str) -> QTimeEdit:
        edit = QTimeEdit(QTime.fromString(hhmm, "HH:mm"))
        edit.setDisplayFormat("HH:mm")
        edit.timeChanged.connect(lambda t: self._set(field, t.toString("HH:mm")))
        return edit

    def _amount(self, wei: int, field: str) -> QLineEdit:
        edit = QLineEdit(format_units(wei).replace(",", ""))
        edit.setMaximumWidth(140)
        edit.editingFinished.connect(lambda: self._amount_changed(edit, field))
        return edit

    # -- editing ---------------------------------------------------------------------------------

    def _set(self, field: str, value: Any) -> bool:
        try:
            setattr(self.rules, field, value)
        except ValidationError as exc:
            self.show_problem(f"That value was not kept: {exc.errors()[0]['msg']}.")
            return False
        try:
            self._save()
        except OSError as exc:
            self.show_problem(f"The rules could not be saved: {exc}")
            return False
        self.problem.hide()
        return True

    def _days_changed(self) -> None:
        self._set("schedule_days", [i for i, b in enumerate(self.day_buttons) if b.isChecked()])

    def _amount_changed(self, edit: QLineEdit, field: str) -> None:
        try:
            wei = parse_amount(edit.text().strip(), 18, "SAHARA")
        except ValueError as exc:
            self.show_problem(str(exc))
            edit.setText(format_units(getattr(self.rules, field)).replace(",", ""))
            return
        self._set(field, wei)

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    # -- what the rules say now ------------------------------------------------------------------

    def show_decision(self, decision: Decision) -> None:
        for check in decision.checks:
            self._show(check.rule, check.state, check.text)

    def _show(self, rule: str, state: str, text: str) -> None:
        word, role = CHIP[state]
        chip = self.chips[rule]
        chip.setText(word)
        set_role(chip, role)
        self.notes[rule].setText(text)
        self.notes[rule].setToolTip(text)
