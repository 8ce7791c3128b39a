"""The app's GPU worker on a real devnet: the owner's rules keep a worker whose user is active from
taking a job; once idle it takes one, and the Compute page's reads show every check of the work and
the earnings; the pay arrives exactly, a second withdraw is refused in words, and stake leaves in
two steps (unbond, then withdraw after the delay) back to the owner's account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest
from devchain import Chain, Env, acct, deltas, run

from app.compute import payouts
from app.compute.provider import ComputeProvider, ProviderConfig
from app.compute.requester import JobRequest, Requester
from app.compute.rules import Reading
from app.compute.work_checks import job_checks
from app.labeling.digits import load_digits
from app.resources import resources_dir
from app.settings import ComputeSettings
from app.storage.local import LocalStore
from app.wallet.hd import encryption_key_from_private_key
from app.workers.compute_worker import ComputeWorker

pytestmark = pytest.mark.slow
DIGITS = resources_dir() / "models" / "digits.onnx"
TOKEN = 10**18


@dataclass
class Probes:
    idle: float = 0.0  # the user is at the keyboard

    def idle_seconds(self) -> Reading[float]:
        return Reading(self.idle)

    def fullscreen(self) -> Reading[bool]:
        return Reading(False)

    def on_battery(self) -> Reading[bool]:
        return Reading(False)

    def gpu_temperature(self) -> Reading[int]:
        return Reading(None, "no NVIDIA driver")


def test_rules_gate_the_job_then_checks_earnings_and_withdrawals(env: Env, tmp_path: Path) -> None:
    images = (load_digits()[0][:6] / 16.0).astype(np.float32)[:, None, :, :]
    np.save(tmp_path / "inputs.npy", images)
    store = LocalStore(tmp_path / "blobs")
    requester, owner = acct(0), acct(3)
    key = encryption_key_from_private_key(b"\x05" * 32)
    probes = Probes()

    async def body(chain: Chain) -> None:
        for account in (requester, owner):
            await chain.fund(account, 1_000 * TOKEN)
        config = ProviderConfig(kinds=1, vram_mib=0, min_price=1, stake=100 * TOKEN, poll_s=0.1)
        provider = ComputeProvider(chain.client, chain.outbox, chain.deployment, store, env.sessions, owner,
                                   config, tmp_path / "scratch")  # fmt: skip
        worker = ComputeWorker(provider, ComputeSettings(idle_minutes=5), probes, tmp_path / "data")
        assert await worker.register()
        posting = Requester(chain.client, chain.outbox, chain.deployment, store, requester, key.public_key)
        job_id = await posting.submit(JobRequest(DIGITS, tmp_path / "inputs.npy", 2 * TOKEN, window_s=600))

        decision = await worker.check_rules()
        assert not decision.allowed and provider.paused and worker.state.phase != "working"
        await provider.run_once()
        assert provider.ledger.get(job_id) is None, "an active user's worker takes nothing"

        probes.idle = 301.0
        await worker.check_rules()
        assert not provider.paused
        for _ in range(6):
            await provider.run_once()
            record = provider.ledger.get(job_id)
            if record is not None and record.stage == "submitted":
                break
        assert record is not None and record.stage == "submitted"
        worker.refresh()
        assert worker.state.phase == "working" and "challenge window" in worker.state.text

        checks = {c.name: c.result for c in await job_checks(provider.market, record, provider.address)}
        assert checks["Result hash on chain"] == "passed" and checks["Challenge window"] == "pending"
        assert checks["Payment"] == "pending"

        before = await chain.balances(owner)
        await chain.advance(601)
        await provider.run_once()
        record = provider.ledger.get(job_id)
        assert record is not None and record.stage == "paid"
        assert deltas(await chain.balances(owner), before) == [2 * TOKEN], "paid exactly, to the account"
        checks = {c.name: c.result for c in await job_checks(provider.market, record, provider.address)}
        assert checks["Challenge window"] == "passed" and checks["Payment"] == "passed"

        jobs = payouts.history(provider)
        assert [(j.job_id, j.paid, j.payment) for j in jobs] == [(job_id, True, 2 * TOKEN)]
        assert payouts.earned_on(jobs, date.today()) == 2 * TOKEN
        assert payouts.per_day(jobs, datetime.now().date())[-1][1] == 2 * TOKEN

        with pytest.raises(payouts.PayoutError, match="no pay waiting"):
            await payouts.withdraw_pay(provider)  # the provider already withdrew it after the job
        with pytest.raises(payouts.PayoutError, match="free stake"):
            await payouts.unbond_stake(provider, 101 * TOKEN)
        with pytest.raises(payouts.PayoutError, match="No stake is unbonding"):
            await payouts.withdraw_stake(provider)
        ready = await payouts.unbond_stake(provider, 40 * TOKEN)
        money = await payouts.balances(provider)
        assert money.unbonding == 40 * TOKEN and money.stake == 60 * TOKEN
        with pytest.raises(payouts.PayoutError, match="delay has not passed"):
            await payouts.withdraw_stake(provider)
        before = await chain.balances(owner)
        await chain.advance(ready - await chain.now() + 1)
        assert await payouts.withdraw_stake(provider) == 40 * TOKEN
        assert deltas(await chain.balances(owner), before) == [40 * TOKEN]
        await worker.close()

    run(env, body)


def test_a_stake_the_account_cannot_pay_is_said_in_words(env: Env, tmp_path: Path) -> None:
    poor = acct(4)  # anvil's ETH for gas, no SAHARA

    async def body(chain: Chain) -> None:
        config = ProviderConfig(kinds=1, vram_mib=0, min_price=1, stake=100 * TOKEN)
        provider = ComputeProvider(chain.client, chain.outbox, chain.deployment, LocalStore(tmp_path / "b"),
                                   env.sessions, poor, config, tmp_path / "scratch")  # fmt: skip
        worker = ComputeWorker(provider, ComputeSettings(), Probes(idle=900.0), tmp_path / "data")
        assert not await worker.register()
        assert worker.problem is not None
        assert "the stake is 100 SAHARA and this account holds 0 SAHARA" in worker.problem
        assert worker.state.phase == "paused" and worker.state.text == worker.problem
        await chain.fund(poor, 100 * TOKEN)
        assert await worker.register(), "registering again once the account holds the stake"
        assert worker.problem is None and worker.state.phase == "idle"
        await worker.close()

    run(env, body)
