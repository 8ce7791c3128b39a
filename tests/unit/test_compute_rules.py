"""The owner's rules with a driven clock and fake readings; the Linux and macOS probes with fake commands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import pytest
from pydantic import ValidationError

from app.compute.rules import Reading, Readings, evaluate, in_schedule, read_all
from app.compute.rules_probes import LinuxProbes, MacProbes, system_probes
from app.settings import ComputeSettings, Settings

IDLE_LONG = Readings(Reading(3600.0), Reading(False), Reading(False), Reading(60))
NOON = datetime(2026, 12, 7, 12, 0)  # a Monday


def test_all_clear_lets_the_worker_work() -> None:
    decision = evaluate(ComputeSettings(), IDLE_LONG, NOON)
    assert decision.allowed and decision.reasons == []
    assert [c.state for c in decision.checks] == ["ok", "ok", "ok", "ok", "off"]


def test_idle_rule_waits_for_n_minutes_without_input() -> None:
    rules = ComputeSettings(idle_minutes=10)
    for seconds, allowed in ((0, False), (599, False), (600, True), (7200, True)):
        readings = replace(IDLE_LONG, idle=Reading(float(seconds)))
        decision = evaluate(rules, readings, NOON)
        assert decision.allowed is allowed, seconds
    busy = evaluate(rules, replace(IDLE_LONG, idle=Reading(30.0)), NOON)
    assert busy.reasons == ["You are using the computer (waits for 10 minutes idle; 10 minutes to go)"]
    off = evaluate(ComputeSettings(idle_rule=False), replace(IDLE_LONG, idle=Reading(0.0)), NOON)
    assert off.allowed and off.check("idle").state == "off"


def test_an_unknown_probe_makes_its_rule_unavailable_never_true() -> None:
    unknown = Readings(Reading(None, "no idle source"), Reading(None, "no X11"), Reading(None, "no battery"),
                       Reading(None, "no NVIDIA driver"))  # fmt: skip
    decision = evaluate(ComputeSettings(), unknown, NOON)
    states = {c.rule: c.state for c in decision.checks}
    assert states == {"idle": "unavailable", "fullscreen": "unavailable", "battery": "unavailable",
                      "temperature": "unavailable", "schedule": "off"}  # fmt: skip
    assert "no idle source" in decision.check("idle").text
    assert "ok" not in states.values(), "an unknown reading never counts as the rule holding"


def test_full_screen_and_battery_pause() -> None:
    assert evaluate(ComputeSettings(), replace(IDLE_LONG, fullscreen=Reading(True)), NOON).reasons == [
        "A full-screen app is in front"
    ]
    on_battery = evaluate(ComputeSettings(), replace(IDLE_LONG, battery=Reading(True)), NOON)
    assert on_battery.reasons == ["This computer is on battery"]
    assert evaluate(
        ComputeSettings(battery_rule=False), replace(IDLE_LONG, battery=Reading(True)), NOON
    ).allowed


def test_a_hot_gpu_pauses_until_it_has_cooled_down() -> None:
    rules = ComputeSettings(max_temperature_c=80)
    hot = False
    seen = []
    for degrees in (79, 81, 79, 76, 75, 80, 81):
        decision = evaluate(rules, replace(IDLE_LONG, temperature=Reading(degrees)), NOON, hot=hot)
        hot = decision.hot
        seen.append(decision.allowed)
    assert seen == [True, False, False, False, True, True, False]


def test_schedule_with_a_driven_clock_over_midnight_and_days() -> None:
    rules = ComputeSettings(
        schedule_rule=True, schedule_start="22:00", schedule_end="08:00", schedule_days=[4]
    )
    friday, saturday = datetime(2026, 12, 11), datetime(2026, 12, 12)
    assert friday.weekday() == 4
    assert not in_schedule(rules, friday.replace(hour=3))  # Thursday night's window: not scheduled
    assert not in_schedule(rules, friday.replace(hour=21, minute=59))
    assert in_schedule(rules, friday.replace(hour=22))
    assert in_schedule(rules, saturday.replace(hour=7, minute=59))  # Friday's window runs into Saturday
    assert not in_schedule(rules, saturday.replace(hour=8))
    assert not in_schedule(rules, saturday.replace(hour=22))
    day = ComputeSettings(schedule_rule=True, schedule_start="09:00", schedule_end="17:00")
    assert in_schedule(day, NOON) and not in_schedule(day, NOON.replace(hour=17))
    outside = evaluate(day, IDLE_LONG, NOON.replace(hour=18))
    assert outside.reasons == ["Outside the schedule (09:00–17:00 every day)"]
    whole = ComputeSettings(
        schedule_rule=True, schedule_start="00:00", schedule_end="00:00", schedule_days=[0]
    )
    assert in_schedule(whole, NOON) and not in_schedule(whole, NOON.replace(day=8))


@pytest.mark.parametrize(
    "field, value",
    [("schedule_start", "25:00"), ("schedule_end", "7pm"), ("schedule_days", [7]), ("idle_minutes", 0),
     ("max_temperature_c", 500), ("vram_cap_mib", -1)],
)  # fmt: skip
def test_bad_rule_settings_are_refused(field: str, value: object) -> None:
    rules = ComputeSettings()
    with pytest.raises(ValidationError):
        setattr(rules, field, value)


def test_rules_round_trip_with_the_app_settings() -> None:
    settings = Settings()
    settings.compute.idle_minutes = 12
    settings.compute.schedule_days = [5, 6]
    again = Settings.model_validate_json(settings.model_dump_json())
    assert again.compute.idle_minutes == 12 and again.compute.schedule_days == [5, 6]


def fake_run(answers: dict[str, str | None]):  # type: ignore[no-untyped-def]
    calls: list[list[str]] = []

    def run(command: Sequence[str]) -> str | None:
        calls.append(list(command))
        return answers.get(command[0])

    run.calls = calls  # type: ignore[attr-defined]
    return run


def test_linux_idle_from_gnome_then_logind() -> None:
    gnome = LinuxProbes(fake_run({"gdbus": "(uint64 125000,)\n"}), session="2")
    assert gnome.idle_seconds() == Reading(125.0)
    idle = "IdleHint=yes\nIdleSinceHint=1700000000000000\n"
    logind = LinuxProbes(fake_run({"loginctl": idle}), session="2", now=lambda: 1700000090.0)
    assert logind.idle_seconds() == Reading(90.0)
    assert logind.run.calls[-1][:3] == ["loginctl", "show-session", "2"]  # type: ignore[attr-defined]
    active = LinuxProbes(fake_run({"loginctl": "IdleHint=no\nIdleSinceHint=1700000000000000\n"}), session="2")
    assert active.idle_seconds() == Reading(0.0)
    never_set = LinuxProbes(fake_run({"loginctl": "IdleHint=no\nIdleSinceHint=0\n"}), session="2")
    assert never_set.idle_seconds().value is None, "a hint the desktop never sets is not 'active forever'"
    nothing = LinuxProbes(fake_run({}), session="")
    reading = nothing.idle_seconds()
    assert reading.value is None and reading.unknown


def test_linux_full_screen_from_x11(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    answers = {"xprop": "_NET_ACTIVE_WINDOW(WINDOW): window id # 0x3a00007\n"}
    probes = LinuxProbes(fake_run(answers))
    answers["xprop"] += "_NET_WM_STATE(ATOM) = _NET_WM_STATE_FULLSCREEN\n"
    assert probes.fullscreen() == Reading(True)
    monkeypatch.delenv("DISPLAY")
    assert probes.fullscreen().value is None


def test_mac_idle_from_ioreg() -> None:
    out = '    |   "HIDIdleTime" = 42000000000\n'
    assert MacProbes(fake_run({"ioreg": out})).idle_seconds() == Reading(42.0)
    assert MacProbes(fake_run({})).idle_seconds().value is None
    assert MacProbes(fake_run({})).fullscreen().value is None


def test_this_computer_answers_every_probe_in_words() -> None:
    readings = read_all(system_probes())
    for reading in (readings.idle, readings.fullscreen, readings.battery, readings.temperature):
        assert reading.value is not None or reading.unknown
