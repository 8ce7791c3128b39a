"""The GPU worker as the app runs it: a ``ComputeProvider`` driven by the owner's rules and pause.

``ComputeWorker.run`` registers the provider (retrying while the node or the stake is not there),
then runs its rounds every ``poll_s``; beside it, ``watch_rules`` reads the OS probes (in a thread:
they may block) every ``rules_s`` and pauses or resumes the provider. The provider is paused when
the owner paused it (``pause``, the tray's one click; kept in the data folder's ``compute/paused``,
the same flag ``sahara worker pause`` writes, so either pauses both) or when a rule says so (the
user is active, a full-screen app, battery, a hot GPU, outside the schedule). A paused provider
takes no job and kills a running one (re-run on resume), but still delivers and claims pay for
work already done: pausing never loses a job's pay.

Events (``events``, emitted on the loop):

- ``"state"`` (WorkerState): off / starting / idle / working / paused, with why in words;
- ``"rules"`` (Decision): each look at the rules, for the rules editor's live checks;
- ``"earnings"`` (): a job was paid (the Compute page and the tray's tooltip redraw).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from app.compute.rules import Decision, Probes, evaluate, read_all
from app.events import Events
from app.settings import ComputeSettings
from app.words import sahara

if TYPE_CHECKING:
    from app.compute.provider import ComputeProvider, ProviderConfig

log = logging.getLogger(__name__)

Phase = Literal["off", "starting", "idle", "working", "paused"]
OWNER_PAUSE = "Paused by you"
STEP_WORDS = {
    "accepting": "taking job {job}",
    "accepted": "running job {job}",
    "sealed": "delivering the result of job {job}",
    "committed": "job {job}: result committed, waiting for the other worker",
    "revealed": "job {job}: result revealed, waiting for the other worker",
    "submitted": "job {job}: result delivered, waiting out the challenge window",
}
KEY_WAIT = (
    "job {job}: waiting for the requester's app to send the key to its sealed inputs (if it never "
    "does, the job is refunded at its deadline and this worker released, not slashed)"
)


@dataclass(frozen=True)
class WorkerState:
    """What the worker does now, in words; ``job_id`` the job it holds, if any."""

    phase: Phase
    text: str
    job_id: int | None = None
    owner_paused: bool = False


def provider_config(rules: ComputeSettings, offered: tuple[int, int] | None = None) -> ProviderConfig:
    """What the worker registers with: this computer's provider kinds and VRAM (``offered``, default
    what it has), the VRAM capped by the owner, and the owner's price floor and stake."""
    from app.compute.hardware import offered_kinds
    from app.compute.provider import ProviderConfig

    kinds, vram = offered if offered is not None else offered_kinds()
    if rules.vram_cap_mib:
        vram = min(vram, rules.vram_cap_mib)
    return ProviderConfig(kinds=kinds, vram_mib=vram, min_price=rules.min_price_wei, stake=rules.stake_wei)


def pause_flag(data: Path) -> Path:
    """The owner's pause, shared with ``sahara worker pause``/``resume``."""
    return data / "compute" / "paused"


class ComputeWorker:
    """One provider under the owner's rules; ``run`` until cancelled, ``close`` after."""

    def __init__(
        self,
        provider: ComputeProvider,
        rules: ComputeSettings,
        probes: Probes,
        data: Path,
        *,
        rules_s: float = 5.0,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.provider, self.rules, self.probes = provider, rules, probes
        self.flag = pause_flag(data)
        self.rules_s, self.clock = rules_s, clock
        self.events = Events("state", "rules", "earnings")
        self.decision: Decision | None = None
        self.state = WorkerState("starting", "Registering as a provider…")
        self.problem: str | None = None  # why registering failed, until it works
        self._registered = False
        provider.events.connect("changed", self._on_changed)

    # -- the owner's pause -----------------------------------------------------------------------

    @property
    def owner_paused(self) -> bool:
        return self.flag.exists()

    def pause(self) -> None:
        """The one-click pause: kept across restarts until ``resume``."""
        self.flag.parent.mkdir(parents=True, exist_ok=True)
        self.flag.touch()
        self.apply()

    def resume(self) -> None:
        self.flag.unlink(missing_ok=True)
        self.apply()

    # -- running ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Rules and rounds until cancelled; registration is retried every ``poll_s`` until it lands."""
        await self.check_rules()  # before the first round: no job is taken against the rules
        watcher = asyncio.get_running_loop().create_task(self.watch_rules(), name="compute-rules")
        try:
            while True:
                if not self._registered:
                    await self.register()
                if self._registered:
                    await self.provider.round()
                    self.refresh()
                await asyncio.sleep(self.provider.config.poll_s)
        finally:
            watcher.cancel()

    async def register(self) -> bool:
        """Register the provider (or update its spec); a failure is kept in ``problem`` and said."""
        from app.storage import StorageError
        from app.wallet.outbox import OutboxError

        try:
            await self.provider.ensure_registered()
        except (OutboxError, StorageError, OSError, ValueError) as exc:
            self.problem = await self._registration_problem(exc)
            log.warning("%s", self.problem)
            self.refresh()
            return False
        self._registered, self.problem = True, None
        self.refresh()
        return True

    async def _registration_problem(self, exc: Exception) -> str:
        """Why registering failed, in words; a stake the account cannot pay is named as such."""
        from app.chain.bindings import bind
        from app.wallet.outbox import TxReverted

        if not isinstance(exc, TxReverted):  # not refused by the contracts: the message says it all
            return f"Could not register as a provider: {exc}"
        provider = self.provider
        stake = provider.config.stake
        try:
            least = int(await provider.market.call("minStake"))
            token = bind(provider.market.client.w3, "SaharaToken", provider.deployment.address("SaharaToken"))
            held = int(await provider.market.client.ask(token.functions.balanceOf(provider.address).call()))
        except (OSError, KeyError, ValueError):
            least, held = 0, stake
        if stake < least:
            return (
                f"Could not register as a provider: the market asks a stake of at least {sahara(least)}, "
                f"and the stake set in Rules is {sahara(stake)}."
            )
        if held < stake:
            return (
                f"Could not register as a provider: the stake is {sahara(stake)} and this account holds "
                f"{sahara(held)}. Add SAHARA to it (on the devnet: the Wallet page's faucet) or lower the "
                "stake in Rules."
            )
        return f"Could not register as a provider: {exc}"

    async def watch_rules(self) -> None:
        """Look at the rules every ``rules_s``; a look that fails is logged and the next one tried
        (the provider stays as the last good look left it)."""
        while True:
            await asyncio.sleep(self.rules_s)
            try:
                await self.check_rules()
            except Exception:
                log.exception("the worker's rules could not be checked")

    async def check_rules(self) -> Decision:
        """One look at the probes and the rules; pauses or resumes the provider to match."""
        readings = await asyncio.to_thread(read_all, self.probes)
        hot = self.decision.hot if self.decision is not None else False
        self.decision = evaluate(self.rules, readings, self.clock(), hot=hot)
        self.events.emit("rules", self.decision)
        self.apply()
        return self.decision

    def apply(self) -> None:
        """Pause or resume the provider as the owner and the last look at the rules say."""
        blocked = self.decision is not None and not self.decision.allowed
        if (self.owner_paused or blocked) and not self.provider.paused:
            self.provider.pause()
        elif not (self.owner_paused or blocked) and self.provider.paused:
            self.provider.resume()
        self.refresh()

    async def close(self) -> None:
        """Kill a running job (it is re-run after the next start) and stop the sandbox."""
        await self.provider.stop()
        self._set(WorkerState("off", "The worker is off"))

    # -- state -----------------------------------------------------------------------------------

    def _on_changed(self, job_id: int, stage: str) -> None:
        self.refresh()
        if stage == "paid":
            self.events.emit("earnings")

    def refresh(self) -> None:
        """Work out the state from the provider and its ledger; tell listeners when it changed."""
        self._set(self.current())

    def current(self) -> WorkerState:
        owner = self.owner_paused
        held = self.provider.ledger.unfinished()
        job = held[0] if held else None
        if self.problem is not None:
            return WorkerState("paused", self.problem, owner_paused=owner)
        if not self._registered:
            return WorkerState("starting", "Registering as a provider…", owner_paused=owner)
        if self.provider.paused:
            why = OWNER_PAUSE if owner else "; ".join(self.decision.reasons if self.decision else [])
            if job is not None and job.stage != "accepted":
                why += f" (still finishing {STEP_WORDS[job.stage].format(job=job.job_id)})"
            return WorkerState("paused", why or "Paused", job.job_id if job else None, owner)
        if job is not None:
            waiting = job.stage == "accepted" and job.job_id in self.provider.awaiting_key
            text = (KEY_WAIT if waiting else STEP_WORDS[job.stage]).format(job=job.job_id)
            return WorkerState("working", text[0].upper() + text[1:], job.job_id, owner)
        floor = sahara(self.provider.config.min_price)
        return WorkerState("idle", f"Waiting for a job paying at least {floor}", None, owner)

    def _set(self, state: WorkerState) -> None:
        if state != self.state:
            self.state = state
            self.events.emit("state", state)
