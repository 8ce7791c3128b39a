"""Fakes for the Compute page's UI tests: OS probes a test drives, a market that answers reads, a
provider over a real ledger (SQLite), and the slice of ``NetworkServices`` the worker link uses."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.compute.jobs import Job, JobStatus, Run, RunStatus, spec_hash
from app.compute.ledger import Ledger
from app.compute.rules import Reading
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.events import Events
from app.settings import Settings
from app.workers.compute_worker import ComputeWorker

ME = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
TOKEN = 10**18
HASH = "0x" + "ab" * 32


@dataclass
class FakeProbes:
    idle: float | None = 3600.0
    full: bool | None = False
    battery: bool | None = None  # a desktop: no battery to read
    temperature: int | None = 64

    def idle_seconds(self) -> Reading[float]:
        return Reading(self.idle, None if self.idle is not None else "no idle source here")

    def fullscreen(self) -> Reading[bool]:
        return Reading(self.full, None if self.full is not None else "not an X11 desktop")

    def on_battery(self) -> Reading[bool]:
        return Reading(self.battery, None if self.battery is not None else "no battery was found")

    def gpu_temperature(self) -> Reading[int]:
        return Reading(self.temperature, None if self.temperature is not None else "no NVIDIA driver")


class FakeMarket:
    """The reads the page makes: the provider's stake, its pay waiting, a job and its runs."""

    address = "0x" + "11" * 20

    def __init__(self) -> None:
        self.owed = 0
        self.stake = 100 * TOKEN
        self.now_s = 2_100
        self.job_status = JobStatus.SUBMITTED

    async def call(self, function: str, *args: Any) -> Any:
        if function == "balances":
            return self.owed
        assert function == "getProvider"
        return (self.stake, 0, 0, True, 1, 0, 0, 0, ())

    async def now(self) -> int:
        return self.now_s

    async def job(self, job_id: int) -> Job:
        base = Job(
            job_id=job_id, requester="0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", payment=TOKEN // 2,
            collateral=TOKEN, expires_at=1_000, deadline=5_000, window=600, min_vram_mib=0, kinds=1,
            replicas=1, task=0, status=self.job_status, result_at=2_000, rule_by=0,
            result_hash=bytes.fromhex(HASH[2:]), spec_hash=spec_hash(0, "m", "i", b"k"),
        )  # fmt: skip
        return (
            replace(base, result_at=0, result_hash=b"\0" * 32)
            if self.job_status == JobStatus.RUNNING
            else base
        )

    async def runs(self, job_id: int) -> list[Run]:
        return [Run(ME, RunStatus.ACCEPTED, b"", b"")]

    async def events(self, name: str, job_id: int) -> list[Any]:
        return []


@dataclass
class FakeConfig:
    min_price: int = TOKEN // 100
    poll_s: float = 3600.0


class FakeProvider:
    """A provider's public face over a real ledger; rounds do nothing (a test moves the jobs)."""

    def __init__(self, folder: Path) -> None:
        upgrade(folder / "sahara.db")
        self.ledger = Ledger(
            session_factory(make_engine(folder / "sahara.db")), 31337, FakeMarket.address, ME
        )
        self.market = FakeMarket()
        self.address = ME
        self.paused = False
        self.events = Events("changed")
        self.config = FakeConfig()
        self.awaiting_key: set[int] = set()

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    async def ensure_registered(self) -> None:
        pass

    async def round(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def step(self, job_id: int, stage: str, **fields: Any) -> None:
        """Move a job on as the real provider would, with its event."""
        self.ledger.save(job_id, stage, **fields)
        self.events.emit("changed", job_id, stage)


class FakeServices:
    """What ``WorkerLink`` reads of ``NetworkServices``: the worker, why there is none, the switch."""

    def __init__(self, folder: Path, probes: FakeProbes) -> None:
        self.folder, self.probes = folder, probes
        self.events = Events("worker")
        self.runtime = type("Runtime", (), {})()
        self.runtime.settings = Settings()
        self.saves = 0
        self.worker: ComputeWorker | None = None
        self.worker_problem: str | None = "The worker is off."

    def save(self) -> None:
        self.saves += 1

    def set_worker_enabled(self, enabled: bool) -> None:
        self.runtime.settings.compute.enabled = enabled
        self.save()
        if enabled:
            provider = FakeProvider(self.folder)
            self.worker = ComputeWorker(provider, self.runtime.settings.compute, self.probes, self.folder)  # type: ignore[arg-type]
            self.worker_problem = None
        else:
            self.worker, self.worker_problem = None, "The worker is off."
        self.events.emit("worker")
