"""The GPU worker as the window starts it, on the embedded devnet: the composition root starts the
worker the owner turned on once the contracts are found and the wallet is unlocked; it registers,
takes a requester's job and works on it; the owner's pause pauses it and survives; turning it off
is remembered and stops it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from app.compute.requester import JobRequest, Requester
from app.compute.rules import Reading
from app.labeling.digits import load_digits
from app.paths import AppPaths
from app.resources import resources_dir
from app.runtime import AppRuntime
from app.services import NetworkServices, ServiceOptions
from app.settings import load_settings
from app.storage import open_store
from app.wallet.calls import transact
from app.wallet.faucet import DEV_MNEMONIC, treasury
from app.wallet.hd import encryption_key_from_private_key, signing_account
from app.workers.compute_worker import pause_flag

pytestmark = pytest.mark.slow
TOKEN = 10**18


class AwayProbes:
    """The owner is away: no input for an hour, no full screen, plugged in, no GPU sensor."""

    def idle_seconds(self) -> Reading[float]:
        return Reading(3600.0)

    def fullscreen(self) -> Reading[bool]:
        return Reading(False)

    def on_battery(self) -> Reading[bool]:
        return Reading(False)

    def gpu_temperature(self) -> Reading[int]:
        return Reading(None, "no NVIDIA driver")


async def until(what: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


def test_the_window_s_worker_takes_a_job_pauses_and_is_turned_off(paths: AppPaths, tmp_path: Path) -> None:
    images = (load_digits()[0][:4] / 16.0).astype(np.float32)[:, None, :, :]
    np.save(tmp_path / "inputs.npy", images)
    runtime = AppRuntime.open(paths)
    runtime.wallet.create(DEV_MNEMONIC, "a long enough password")
    runtime.settings.compute.enabled = True
    runtime.settings.compute.stake_wei = 50 * TOKEN  # below the market's minimum: said, then raised
    services = NetworkServices(runtime, lambda: open_store(paths), ServiceOptions(worker_rules_s=0.2))
    services.probes = AwayProbes()
    told: list[str | None] = []
    services.events.connect("worker", lambda: told.append(services.worker_problem))

    async def body() -> None:
        await services.connect()
        await until(lambda: services.worker is not None)
        worker = services.worker
        assert worker is not None
        worker.provider.config = worker.provider.config.__class__(
            **{**worker.provider.config.__dict__, "poll_s": 0.3}
        )  # fast rounds for the test
        deployment = runtime.deployment
        assert deployment is not None and runtime.outbox is not None and runtime.client is not None
        for row in await runtime.faucet(runtime.wallet.signer().address):
            await runtime.outbox.wait(row.id)
        requester = signing_account(DEV_MNEMONIC, 1)
        await transact(runtime.outbox, treasury(), deployment, "SaharaToken", "transfer", requester.address,
                       10 * TOKEN, intent="test-fund-requester")  # fmt: skip
        await until(lambda: "asks a stake of at least 100 SAHARA" in (worker.problem or ""))
        assert worker.state.text == worker.problem
        services.stop_worker()
        runtime.settings.compute.stake_wei = 100 * TOKEN  # the owner raises it in Rules; applies on start
        services.start_worker()
        worker = services.worker
        assert worker is not None
        worker.provider.config = worker.provider.config.__class__(
            **{**worker.provider.config.__dict__, "poll_s": 0.3}
        )
        await until(lambda: worker.state.phase == "idle", timeout=90)
        key = encryption_key_from_private_key(b"\x09" * 32)
        posting = Requester(
            runtime.client, runtime.outbox, deployment, services.store, requester, key.public_key
        )
        job_id = await posting.submit(
            JobRequest(resources_dir() / "models" / "digits.onnx", tmp_path / "inputs.npy", TOKEN)
        )
        await until(lambda: worker.state.job_id == job_id and "challenge window" in worker.state.text, 90)
        assert worker.state.phase == "working"

        worker.pause()
        assert worker.provider.paused and pause_flag(paths.data).exists()
        await until(lambda: worker.state.phase == "paused" and worker.state.owner_paused)
        worker.resume()

        services.set_worker_enabled(False)
        assert services.worker is None and told[-1] == "The worker is off."
        assert not load_settings(paths.settings_file).settings.compute.enabled
        await services.aclose()
        await runtime.aclose()

    try:
        asyncio.run(body())
    finally:
        runtime.shutdown()
    assert told[0] == "The worker starts once the network and its contracts are ready."
    assert None in told, "the worker started once the contracts were ready"
