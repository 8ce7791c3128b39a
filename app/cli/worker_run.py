"""How ``sahara worker`` runs: as the app's worker does, a ``ComputeWorker`` over the provider.

So the owner's rules from the settings (idle, full screen, battery, GPU temperature, schedule) and
the pause flag the app shares hold for the command line too, decided by the same code. A headless
server may run with ``--ignore-rules``: every rule off and no probe read (nobody sits at it, and it
may have no display or sensor to ask); the owner's pause still counts.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from app.cli.wallet import CliError

if TYPE_CHECKING:
    from app.compute.provider import ComputeProvider
    from app.compute.rules import Probes, Reading
    from app.settings import ComputeSettings
    from app.workers.compute_worker import ComputeWorker, WorkerState

RULE_SWITCHES = ("idle_rule", "fullscreen_rule", "battery_rule", "temperature_rule", "schedule_rule")


def say(text: str) -> None:
    print(text, file=sys.stderr)


class IgnoredProbes:
    """The probes of a worker run with ``--ignore-rules``: every rule is off, so nothing is asked of
    the OS (a server may have no display, battery or GPU sensor to ask, or answer slowly); the
    owner's pause still counts."""

    def idle_seconds(self) -> Reading[float]:
        return _not_read()

    def fullscreen(self) -> Reading[bool]:
        return _not_read()

    def on_battery(self) -> Reading[bool]:
        return _not_read()

    def gpu_temperature(self) -> Reading[int]:
        return _not_read()


def _not_read() -> Reading[Any]:
    from app.compute.rules import Reading

    return Reading(None, "not read: the worker runs with --ignore-rules")


def cli_worker(
    args: argparse.Namespace,
    provider: ComputeProvider,
    settings: ComputeSettings,
    probes: Probes | None = None,
) -> ComputeWorker:
    """The app's worker over ``provider``: the owner's rules from ``settings`` read through this
    OS's probes (``probes`` replaces them), or none with ``--ignore-rules``; pause and resume said
    on stderr as they happen."""
    from app.compute.rules_probes import system_probes
    from app.workers.compute_worker import ComputeWorker

    if args.ignore_rules:
        settings, probes = settings.model_copy(update=dict.fromkeys(RULE_SWITCHES, False)), IgnoredProbes()
    worker = ComputeWorker(provider, settings, probes or system_probes(), args.paths.data)
    last = [worker.state]

    def said(state: WorkerState) -> None:
        was, last[0] = last[0], state
        if state.phase == "paused" and (was.phase != "paused" or was.text != state.text):
            say(f"worker paused: {state.text}")
        elif was.phase == "paused" and state.phase not in ("paused", "off"):
            say("worker resumed")

    worker.events.connect("state", said)
    return worker


async def drive(worker: ComputeWorker, *, once: bool) -> None:
    """Register (a failure is a ``CliError`` in words), say so, then rounds under the rules until
    cancelled (``once``: one round); the provider is stopped however it ends."""
    provider = worker.provider
    try:
        await worker.check_rules()  # before registering: no round runs against the rules
        if not await worker.register():
            raise CliError(worker.problem or "could not register as a provider")
        config = provider.config
        state = "paused" if provider.paused else "taking jobs"
        trains = "training offered" if config.training else "no training (torch is not installed)"
        offer = f"kinds {config.kinds}, {config.vram_mib} MiB VRAM, {trains}"
        say(f"worker {provider.address} ready ({offer}), {state}")
        await (provider.run_once() if once else worker.run())
    finally:
        await worker.close()
