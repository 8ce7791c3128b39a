"""The GPU worker's part of the composition root: whether it may run, starting and stopping it.

A mixin of ``NetworkServices`` (whose ``runtime``, ``options``, ``events``, ``store``, ``_ready``,
``_running`` and ``_spawn`` it uses), kept apart because it is one concern with its own rules: the
owner's switch (remembered in the settings), the wallet (unlocked to start; a lock leaves a running
worker alone) and the network (contracts known, services running).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from app.runtime import NetworkError

if TYPE_CHECKING:
    from app.compute.provider import ComputeProvider
    from app.compute.rules import Probes
    from app.workers.compute_worker import ComputeWorker

WAITING_FOR_NETWORK = "The worker starts once the network and its contracts are ready."


class WorkerServices:
    """Starts, stops and explains the GPU worker; ``worker`` is the running one, ``worker_problem``
    says in words why there is none, ``probes`` replaces this OS's probes (tests)."""

    worker: ComputeWorker | None
    worker_problem: str | None
    probes: Probes | None
    _worker_task: asyncio.Task[Any] | None

    def _init_worker(self) -> None:
        self.worker = None
        self.worker_problem = "The worker is off."
        self.probes = None
        self._worker_task = None

    def compute_provider(self) -> ComputeProvider:
        """A provider for the wallet's active account with the owner's price, stake and VRAM cap."""
        from app.compute.provider import ComputeProvider
        from app.workers.compute_worker import provider_config

        deployment, runtime = self._ready(), self.runtime
        assert runtime.client is not None and runtime.outbox is not None and runtime.sessions is not None
        return ComputeProvider(
            runtime.client, runtime.outbox, deployment, self.store, runtime.sessions,
            runtime.wallet.signer(), provider_config(runtime.settings.compute),
            runtime.paths.cache / "compute-scratch", runtime.wallet.encryption_key(),
        )  # fmt: skip

    def _worker_blocker(self) -> str | None:
        if not self.runtime.settings.compute.enabled:
            return "The worker is off."
        if getattr(self.runtime, "deployment", None) is None or not self._running:
            return WAITING_FOR_NETWORK
        wallet = self.runtime.wallet
        if not wallet.exists:
            return "Set up a wallet: the worker is paid to its account."
        if not wallet.unlocked:
            return "Unlock your wallet: the worker signs its jobs with your account."
        return None

    def start_worker(self) -> None:
        """Start the GPU worker if the owner turned it on and it can run; else say why not."""
        from app.compute.rules_probes import system_probes
        from app.workers.compute_worker import ComputeWorker
        from app.workers.supervise import supervise

        if self.worker is not None:
            return
        problem = self._worker_blocker()
        if problem is not None:
            self.worker_problem = problem
            self.events.emit("worker")
            return
        try:
            provider = self.compute_provider()
        except (NetworkError, OSError, ValueError) as exc:
            self.worker_problem = f"The worker could not start: {exc}"
            self.events.emit("worker")
            return
        probes = self.probes or system_probes()
        self.worker = worker = ComputeWorker(
            provider, self.runtime.settings.compute, probes, self.runtime.paths.data,
            rules_s=self.options.worker_rules_s,
        )  # fmt: skip
        self.worker_problem = None
        self._worker_task = self._spawn(supervise("GPU worker", worker.run), "compute-worker")
        self.events.emit("worker")

    def stop_worker(self, why: str = "The worker is off.") -> None:
        """Stop the worker (a running job is killed and re-run after the next start; a job's pay
        is claimed then): its state is in the database."""
        worker, task = self.worker, self._worker_task
        self.worker, self._worker_task = None, None
        self.worker_problem = why if self.runtime.settings.compute.enabled else "The worker is off."
        if task is not None:
            task.cancel()
        if worker is not None:
            self._spawn(worker.close(), "compute-worker-close")
        self.events.emit("worker")

    def set_worker_enabled(self, enabled: bool) -> None:
        """The owner turned the worker on or off: remembered in the settings."""
        self.runtime.settings.compute.enabled = enabled
        self.runtime.save_settings()
        if enabled:
            self.start_worker()
        else:
            self.stop_worker()

    def _on_lock_changed(self, unlocked: bool) -> None:
        """An unlock starts a worker the owner turned on. A lock leaves a running worker alone: it
        holds the account it started with, as ``sahara worker`` does, so the wallet's auto-lock
        while the owner is away (when the worker should work) does not stop it."""
        if unlocked and self.runtime.settings.compute.enabled and self._running:
            self.start_worker()
