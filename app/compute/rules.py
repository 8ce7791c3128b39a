"""The owner's rules for when the worker may work, decided from what the OS says, Qt-free.

The rules are settings (``app.settings.ComputeSettings``): work only after N minutes without
input, pause while a full-screen app is in front, on battery, above a GPU temperature, outside a
schedule. What the OS says comes through ``Probes`` (``rules_probes`` has one per OS; tests drive
a fake). A probe that cannot tell answers ``Reading(None, why)``: the rule it feeds is then
*unavailable*, shown with the reason, and neither blocks the worker nor is claimed to hold (an
unknown idle time is never taken for "idle"). ``evaluate`` is a pure function of the rules, the
readings and the clock, so every rule has a unit test with a driven clock.

A GPU that got too hot must cool by ``COOL_DOWN_C`` before work resumes, or the worker would flap
between a hot job and an idle GPU every few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, Protocol, TypeVar

from app.settings import ComputeSettings
from app.words import duration

T = TypeVar("T")
COOL_DOWN_C = 5
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
RULES = ("idle", "fullscreen", "battery", "temperature", "schedule")
State = Literal["off", "ok", "blocks", "unavailable"]


@dataclass(frozen=True)
class Reading(Generic[T]):
    """What a probe read: ``value``, or None and ``unknown`` saying why it cannot tell."""

    value: T | None
    unknown: str | None = None


class Probes(Protocol):
    """What the OS says about the user and the machine; each call is quick (≲ 1 s) but may block."""

    def idle_seconds(self) -> Reading[float]:
        """Seconds since the last keyboard or mouse input."""
        ...

    def fullscreen(self) -> Reading[bool]:
        """Whether the window in front covers its whole screen (a game, a film, a presentation)."""
        ...

    def on_battery(self) -> Reading[bool]:
        """Whether the computer runs on battery now."""
        ...

    def gpu_temperature(self) -> Reading[int]:
        """The hottest GPU's temperature in °C."""
        ...


@dataclass(frozen=True)
class Readings:
    """One look at every probe, taken together (in a thread: probes may block)."""

    idle: Reading[float]
    fullscreen: Reading[bool]
    battery: Reading[bool]
    temperature: Reading[int]


def read_all(probes: Probes) -> Readings:
    return Readings(probes.idle_seconds(), probes.fullscreen(), probes.on_battery(), probes.gpu_temperature())


@dataclass(frozen=True)
class RuleCheck:
    """One rule now: off, satisfied, stopping the worker, or unavailable here; ``text`` says which."""

    rule: str  # one of RULES
    state: State
    text: str


@dataclass(frozen=True)
class Decision:
    """Whether the rules let the worker work now, each rule's check, and the GPU heat latch."""

    checks: tuple[RuleCheck, ...]
    hot: bool  # the temperature rule tripped and the GPU has not cooled down yet

    @property
    def allowed(self) -> bool:
        return not any(c.state == "blocks" for c in self.checks)

    @property
    def reasons(self) -> list[str]:
        """Why the worker waits, in words (empty when it may work)."""
        return [c.text for c in self.checks if c.state == "blocks"]

    def check(self, rule: str) -> RuleCheck:
        return next(c for c in self.checks if c.rule == rule)


def minutes_of(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def in_schedule(rules: ComputeSettings, now: datetime) -> bool:
    """Whether ``now`` (local time) falls in the schedule. A window whose end is not after its start
    runs over midnight (22:00–08:00), and then belongs to the day it starts on: Friday 22:00–08:00
    covers Saturday 03:00, not Friday 03:00. Equal start and end mean the whole day."""
    start, end = minutes_of(rules.schedule_start), minutes_of(rules.schedule_end)
    minute, day = now.hour * 60 + now.minute, now.weekday()
    days = set(rules.schedule_days)
    if start == end:
        return day in days
    if start < end:
        return day in days and start <= minute < end
    if minute >= start:
        return day in days
    return minute < end and (day - 1) % 7 in days


def schedule_words(rules: ComputeSettings) -> str:
    days = sorted(set(rules.schedule_days))
    if len(days) == 7:
        which = "every day"
    elif not days:
        which = "on no day"
    else:
        which = "on " + ", ".join(DAYS[d] for d in days)
    return f"{rules.schedule_start}–{rules.schedule_end} {which}"


def evaluate(rules: ComputeSettings, readings: Readings, now: datetime, *, hot: bool = False) -> Decision:
    """Each rule's check from the readings at local time ``now``; ``hot`` is the last decision's
    heat latch (the GPU must cool below the limit minus ``COOL_DOWN_C`` to release it)."""
    checks = [
        _idle(rules, readings.idle),
        _flag(rules.fullscreen_rule, "fullscreen", readings.fullscreen,
              "A full-screen app is in front", "No full-screen app is in front"),
        _flag(rules.battery_rule, "battery", readings.battery,
              "This computer is on battery", "This computer is plugged in"),
    ]  # fmt: skip
    temperature, hot = _temperature(rules, readings.temperature, hot)
    checks.append(temperature)
    if not rules.schedule_rule:
        checks.append(RuleCheck("schedule", "off", "No schedule: any time of day"))
    elif in_schedule(rules, now):
        checks.append(RuleCheck("schedule", "ok", f"Inside the schedule ({schedule_words(rules)})"))
    else:
        checks.append(RuleCheck("schedule", "blocks", f"Outside the schedule ({schedule_words(rules)})"))
    return Decision(tuple(checks), hot)


def _idle(rules: ComputeSettings, reading: Reading[float]) -> RuleCheck:
    if not rules.idle_rule:
        return RuleCheck("idle", "off", "Works while you use the computer")
    if reading.value is None:
        return RuleCheck("idle", "unavailable", f"Idle time is unknown here: {reading.unknown}")
    wanted = rules.idle_minutes * 60
    if reading.value >= wanted:
        return RuleCheck("idle", "ok", f"No input for {duration(reading.value)}")
    left = duration(wanted - reading.value + 59) if wanted - reading.value >= 60 else "under a minute"
    return RuleCheck(
        "idle", "blocks", f"You are using the computer (waits for {duration(wanted)} idle; {left} to go)"
    )


def _flag(enabled: bool, rule: str, reading: Reading[bool], yes: str, no: str) -> RuleCheck:
    if not enabled:
        return RuleCheck(rule, "off", "Rule off")
    if reading.value is None:
        return RuleCheck(rule, "unavailable", f"Unknown here: {reading.unknown}")
    return RuleCheck(rule, "blocks", yes) if reading.value else RuleCheck(rule, "ok", no)


def _temperature(rules: ComputeSettings, reading: Reading[int], hot: bool) -> tuple[RuleCheck, bool]:
    limit = rules.max_temperature_c
    if not rules.temperature_rule:
        return RuleCheck("temperature", "off", "No temperature limit"), False
    if reading.value is None:
        return RuleCheck(
            "temperature", "unavailable", f"GPU temperature is unknown: {reading.unknown}"
        ), False
    value = reading.value
    if value > limit or (hot and value > limit - COOL_DOWN_C):
        resume = limit - COOL_DOWN_C
        return RuleCheck(
            "temperature", "blocks", f"The GPU is at {value} °C (limit {limit} °C; resumes at {resume} °C)"
        ), True
    return RuleCheck("temperature", "ok", f"The GPU is at {value} °C (limit {limit} °C)"), False
