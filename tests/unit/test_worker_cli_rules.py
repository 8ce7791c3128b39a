"""``sahara worker`` under the owner's rules, as the app's worker: the CLI drives a ``ComputeWorker``
over a fake provider with fake probes (the OS's answers), so each rule, ``--ignore-rules`` and the
shared pause flag are shown without a chain. The real worker on a devnet is in
tests/integration/test_compute_worker.py."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_compute_worker_rules import FakeProbes, FakeProvider

from app.cli.wallet import CliError
from app.cli.worker import run_worker
from app.cli.worker_run import cli_worker, drive
from app.settings import ComputeSettings
from app.wallet.outbox import OutboxError
from app.workers.compute_worker import pause_flag


@dataclass
class Offer:
    """What the fake provider registers with (the fields the ready line names)."""

    kinds: int = 1
    vram_mib: int = 0
    training: bool = False
    min_price: int = 10**16
    poll_s: float = 0.01


class Provider(FakeProvider):
    """The fake provider, with an address and a ``run_once`` that notes whether it could take a job."""

    def __init__(self) -> None:
        super().__init__()
        self.config = Offer()  # type: ignore[assignment]
        self.address = "0x" + "11" * 20
        self.took: list[bool] = []

    async def run_once(self) -> None:
        self.took.append(not self.paused)


class Untouchable(FakeProbes):
    """Probes that must not be read: a headless server may hang on or lack them."""

    def idle_seconds(self):  # type: ignore[no-untyped-def]
        raise AssertionError("a probe was read although the rules are ignored")

    fullscreen = on_battery = gpu_temperature = idle_seconds


def args(tmp_path: Path, *, ignore_rules: bool = False) -> argparse.Namespace:
    return argparse.Namespace(ignore_rules=ignore_rules, paths=argparse.Namespace(data=tmp_path))


def one_round(tmp_path: Path, probes: FakeProbes, **options: bool) -> Provider:
    provider = Provider()
    worker = cli_worker(args(tmp_path, **options), provider, ComputeSettings(), probes)  # type: ignore[arg-type]
    asyncio.run(drive(worker, once=True))
    return provider


def test_an_active_user_pauses_the_cli_worker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    provider = one_round(tmp_path, FakeProbes(idle=12.0))  # the mouse moved 12 s ago
    assert provider.took == [False] and provider.stopped
    err = capsys.readouterr().err
    assert "worker paused: You are using the computer" in err and err.rstrip().endswith("paused")


@pytest.mark.parametrize(
    ("probes", "why"),
    [
        (FakeProbes(battery=True), "This computer is on battery"),
        (FakeProbes(full=True), "full-screen"),
        (FakeProbes(temperature=99), "°C"),
    ],
)
def test_each_rule_holds_for_the_cli_worker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], probes: FakeProbes, why: str
) -> None:
    assert one_round(tmp_path, probes).took == [False]
    assert why in capsys.readouterr().err


def test_a_free_computer_takes_jobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert one_round(tmp_path, FakeProbes()).took == [True]
    assert capsys.readouterr().err.rstrip().endswith("taking jobs")


def test_ignore_rules_works_without_reading_a_probe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = one_round(tmp_path, Untouchable(), ignore_rules=True)
    assert provider.took == [True] and "paused" not in capsys.readouterr().err


def test_ignore_rules_does_not_ignore_the_owners_pause(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pause_flag(tmp_path).parent.mkdir(parents=True)
    pause_flag(tmp_path).touch()  # `sahara worker pause`, or the app's Pause
    provider = one_round(tmp_path, Untouchable(), ignore_rules=True)
    assert provider.took == [False]
    assert "worker paused: Paused by you" in capsys.readouterr().err


def test_pause_and_resume_reach_a_running_worker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    provider = Provider()
    worker = cli_worker(args(tmp_path, ignore_rules=True), provider, ComputeSettings())  # type: ignore[arg-type]
    worker.rules_s = 0.01
    flip = argparse.Namespace(paths=argparse.Namespace(data=tmp_path))

    async def scenario() -> None:
        running = asyncio.create_task(drive(worker, once=False))
        await until(lambda: provider.rounds > 0)
        assert run_worker(argparse.Namespace(**vars(flip), action="pause")) == 0
        await until(lambda: provider.paused)
        assert run_worker(argparse.Namespace(**vars(flip), action="resume")) == 0
        await until(lambda: not provider.paused)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running

    asyncio.run(scenario())
    assert provider.stopped
    err = capsys.readouterr().err
    assert err.index("worker paused: Paused by you") < err.index("worker resumed")


async def until(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def test_a_failed_registration_is_said_in_words_and_stops_the_provider(tmp_path: Path) -> None:
    provider = Provider()
    provider.register_error = OutboxError("the node refused the transaction")
    worker = cli_worker(args(tmp_path), provider, ComputeSettings(), FakeProbes())  # type: ignore[arg-type]
    with pytest.raises(CliError, match="Could not register as a provider: the node refused"):
        asyncio.run(drive(worker, once=True))
    assert provider.took == [] and provider.stopped


def test_worker_help_says_why_to_ignore_the_rules_and_loads_nothing_heavy() -> None:
    probe = (
        "import sys\nfrom app.cli import main\n"
        "try:\n    main(['worker', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', sorted(m for m in ('web3', 'onnxruntime', 'numpy', 'sqlalchemy', 'pydantic') "
        "if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", probe], env=os.environ | {"PYTHONPATH": str(root)}, cwd=root,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "--ignore-rules" in text and "headless server" in text
    assert "HEAVY []" in text, text
