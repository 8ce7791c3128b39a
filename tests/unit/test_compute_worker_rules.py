"""The app's GPU worker under the owner's rules: fake probes and a fake provider, a driven clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from app.compute.ledger import RunRecord
from app.compute.rules import Reading
from app.events import Events
from app.settings import ComputeSettings
from app.workers.compute_worker import OWNER_PAUSE, ComputeWorker, pause_flag, provider_config


@dataclass
class FakeProbes:
    """What a test says the OS reports."""

    idle: float | None = 3600.0
    full: bool | None = False
    battery: bool | None = False
    temperature: int | None = 60

    def idle_seconds(self) -> Reading[float]:
        return Reading(self.idle, None if self.idle is not None else "no idle source")

    def fullscreen(self) -> Reading[bool]:
        return Reading(self.full, None if self.full is not None else "no X11")

    def on_battery(self) -> Reading[bool]:
        return Reading(self.battery, None if self.battery is not None else "no battery")

    def gpu_temperature(self) -> Reading[int]:
        return Reading(self.temperature, None if self.temperature is not None else "no driver")


@dataclass
class FakeLedger:
    records: list[RunRecord] = field(default_factory=list)

    def unfinished(self) -> list[RunRecord]:
        return [r for r in self.records if r.stage not in ("paid", "lost", "failed")]


@dataclass
class FakeConfig:
    min_price: int = 10**16
    poll_s: float = 0.01


class FakeProvider:
    """The provider's public face: pause/resume, rounds, its ledger and ``changed`` event."""

    def __init__(self) -> None:
        self.paused = False
        self.pauses = 0
        self.events = Events("changed")
        self.ledger = FakeLedger()
        self.config = FakeConfig()
        self.rounds = 0
        self.register_error: Exception | None = None
        self.stopped = False
        self.awaiting_key: set[int] = set()

    def pause(self) -> None:
        self.paused = True
        self.pauses += 1

    def resume(self) -> None:
        self.paused = False

    async def ensure_registered(self) -> None:
        if self.register_error is not None:
            raise self.register_error

    async def round(self) -> None:
        self.rounds += 1

    async def stop(self) -> None:
        self.stopped = True


def record(job: int, stage: str) -> RunRecord:
    return RunRecord(job, stage, None, None, None, 10**17, None)


def make(tmp_path: Path, **rules: object) -> tuple[ComputeWorker, FakeProvider, FakeProbes, list[object]]:
    provider, probes = FakeProvider(), FakeProbes()
    worker = ComputeWorker(
        provider,
        ComputeSettings(**rules),
        probes,
        tmp_path,
        clock=lambda: datetime(2026, 12, 7, 12),  # type: ignore[arg-type]
    )
    seen: list[object] = []
    worker.events.connect("state", seen.append)
    return worker, provider, probes, seen


def test_user_activity_pauses_and_idleness_resumes(tmp_path: Path) -> None:
    worker, provider, probes, _ = make(tmp_path, idle_minutes=5)
    asyncio.run(worker.register())
    asyncio.run(worker.check_rules())
    assert not provider.paused and worker.state.phase == "idle"
    probes.idle = 12.0  # the user touched the mouse
    asyncio.run(worker.check_rules())
    assert provider.paused and worker.state.phase == "paused"
    assert worker.state.text.startswith("You are using the computer")
    probes.idle = 301.0
    asyncio.run(worker.check_rules())
    assert not provider.paused and worker.state.phase == "idle"


def test_battery_and_unknown_probes(tmp_path: Path) -> None:
    worker, provider, probes, _ = make(tmp_path)
    asyncio.run(worker.register())
    probes.battery = True
    asyncio.run(worker.check_rules())
    assert provider.paused and worker.state.text == "This computer is on battery"
    probes.battery, probes.idle, probes.full, probes.temperature = None, None, None, None
    decision = asyncio.run(worker.check_rules())
    assert not provider.paused, "unavailable rules neither block nor are claimed to hold"
    assert {c.state for c in decision.checks} == {"unavailable", "off"}


def test_owner_pause_wins_over_the_rules_and_survives_a_restart(tmp_path: Path) -> None:
    worker, provider, _probes, _ = make(tmp_path)
    asyncio.run(worker.register())
    worker.pause()
    assert pause_flag(tmp_path).exists() and provider.paused
    asyncio.run(worker.check_rules())  # all rules clear: still paused by the owner
    assert provider.paused and worker.state.text == OWNER_PAUSE and worker.state.owner_paused
    again, provider2, _, _ = make(tmp_path)
    asyncio.run(again.register())
    asyncio.run(again.check_rules())
    assert provider2.paused, "a restarted worker stays paused"
    again.resume()
    assert not provider2.paused and not pause_flag(tmp_path).exists()


def test_state_follows_the_jobs_and_a_paid_job_tells_earnings(tmp_path: Path) -> None:
    worker, provider, _probes, seen = make(tmp_path)
    asyncio.run(worker.register())
    earned: list[bool] = []
    worker.events.connect("earnings", lambda: earned.append(True))
    provider.ledger.records = [record(7, "accepted")]
    provider.events.emit("changed", 7, "accepted")
    assert (
        worker.state.phase == "working" and worker.state.text == "Running job 7" and worker.state.job_id == 7
    )
    provider.awaiting_key.add(7)  # a sealed job whose requester has not sent the key yet
    provider.events.emit("changed", 7, "awaiting-key")
    assert "waiting for the requester's app to send the key" in worker.state.text
    assert "refunded at its deadline" in worker.state.text
    provider.awaiting_key.clear()
    provider.ledger.records = [record(7, "submitted")]
    provider.events.emit("changed", 7, "submitted")
    assert "challenge window" in worker.state.text
    worker.pause()
    assert worker.state.phase == "paused"
    assert "still finishing job 7" in worker.state.text, "a paused worker still claims its pay"
    provider.ledger.records = [record(7, "paid")]
    provider.events.emit("changed", 7, "paid")
    assert earned == [True]
    assert [s.phase for s in seen] == ["idle", "working", "working", "working", "paused", "paused"]  # type: ignore[attr-defined]


def test_registration_failure_is_said_and_retried(tmp_path: Path) -> None:
    from app.wallet.outbox import InsufficientFunds

    worker, provider, _probes, _ = make(tmp_path)
    provider.register_error = InsufficientFunds("the account has 0 SAHARA, the stake is 100")

    async def run_a_little() -> None:
        task = asyncio.get_running_loop().create_task(worker.run())
        await asyncio.sleep(0.1)
        assert worker.state.phase == "paused" and "Could not register" in worker.state.text
        assert provider.rounds == 0
        provider.register_error = None
        await asyncio.sleep(0.1)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(run_a_little())
    assert provider.rounds > 0 and worker.problem is None and worker.state.phase == "idle"
    asyncio.run(worker.close())
    assert provider.stopped and worker.state.phase == "off"


def test_no_round_runs_before_the_first_look_at_the_rules(tmp_path: Path) -> None:
    worker, provider, probes, _ = make(tmp_path)
    probes.idle = 0.0  # the user is at the keyboard when the worker starts
    paused_in_rounds: list[bool] = []

    async def round_() -> None:
        paused_in_rounds.append(provider.paused)

    provider.round = round_  # type: ignore[method-assign]

    async def run_a_little() -> None:
        task = asyncio.get_running_loop().create_task(worker.run())
        await asyncio.sleep(0.1)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(run_a_little())
    assert paused_in_rounds and all(paused_in_rounds), "a job is never taken against the rules"


def test_a_failing_look_at_the_rules_is_logged_and_the_next_one_tried(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    worker, provider, probes, _ = make(tmp_path)
    worker.rules_s = 0.01
    calls: list[int] = []

    def broken() -> Reading[float]:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the probe broke")
        return Reading(0.0)

    probes.idle_seconds = broken  # type: ignore[method-assign]

    async def run_a_little() -> None:
        task = asyncio.get_running_loop().create_task(worker.run())
        await asyncio.sleep(0.2)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(run_a_little())
    assert len(calls) > 3 and provider.paused
    assert "rules could not be checked" in caplog.text


def test_the_vram_cap_price_and_stake_are_what_the_worker_registers_with() -> None:
    rules = ComputeSettings(min_price_wei=5, stake_wei=7)
    config = provider_config(rules, offered=(3, 24576))
    assert (config.kinds, config.vram_mib, config.min_price, config.stake) == (3, 24576, 5, 7)
    rules.vram_cap_mib = 4096
    assert provider_config(rules, offered=(3, 24576)).vram_mib == 4096
    rules.vram_cap_mib = 65536  # a cap above the GPU offers the GPU's
    assert provider_config(rules, offered=(3, 24576)).vram_mib == 24576
