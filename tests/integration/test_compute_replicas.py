"""Redundant execution end to end on a real devnet, in one process: two providers take the two
replicas of a job, commit blind, reveal, agree, deliver and are each paid exactly; the requester's
fetched outputs verify and equal ONNX Runtime's. A provider that returns wrong outputs is caught:
the hashes disagree, nobody is paid and the requester gets both payments back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
import pytest
from devchain import Chain, Env, acct, deltas, run
from eth_account.signers.local import LocalAccount

from app.compute.jobs import JobStatus
from app.compute.provider import ComputeProvider, ProviderConfig
from app.compute.requester import JobRequest, Requester
from app.compute.tensors import decode_outputs, encode_outputs
from app.labeling.digits import load_digits
from app.resources import resources_dir
from app.storage.local import LocalStore
from app.wallet.hd import encryption_key_from_private_key

pytestmark = pytest.mark.slow
DIGITS = resources_dir() / "models" / "digits.onnx"
TOKEN = 10**18


def providers(
    chain: Chain, env: Env, store: LocalStore, signers: tuple[LocalAccount, ...], folder: Path
) -> list[ComputeProvider]:
    config = ProviderConfig(kinds=1, vram_mib=0, min_price=1, stake=100 * TOKEN)
    return [
        ComputeProvider(
            chain.client,
            chain.outbox,
            chain.deployment,
            store,
            env.sessions,
            signer,
            config,
            folder / f"scratch{n}",
        )
        for n, signer in enumerate(signers)
    ]


def stages(workers: list[ComputeProvider], job_id: int) -> list[str | None]:
    return [(record.stage if (record := w.ledger.get(job_id)) else None) for w in workers]


def test_two_replicas_agree_and_both_are_paid(env: Env, tmp_path: Path) -> None:
    images = (load_digits()[0][20:28] / 16.0).astype(np.float32)[:, None, :, :]
    np.save(tmp_path / "inputs.npy", images)
    store = LocalStore(tmp_path / "blobs")
    requester, one, two = acct(0), acct(1), acct(2)
    key = encryption_key_from_private_key(b"\x07" * 32)

    async def body(chain: Chain) -> None:
        for account in (requester, one, two):
            await chain.fund(account, 1_000 * TOKEN)
        posting = Requester(chain.client, chain.outbox, chain.deployment, store, requester, key.public_key)
        job_id = await posting.submit(JobRequest(DIGITS, tmp_path / "inputs.npy", TOKEN, replicas=2))
        workers = providers(chain, env, store, (one, two), tmp_path)
        for worker in workers:
            await worker.ensure_registered()
        before = await chain.balances(one, two, "ComputeMarket")
        for _ in range(20):
            for worker in workers:
                await worker.run_once()
            if stages(workers, job_id) == ["paid", "paid"]:
                break
        for worker in workers:
            await worker.stop()
        assert stages(workers, job_id) == ["paid", "paid"]
        assert (await posting.job(job_id)).status == JobStatus.COMPLETED
        assert deltas(await chain.balances(one, two, "ComputeMarket"), before) == [TOKEN, TOKEN, -2 * TOKEN]
        (path,) = await posting.fetch(job_id, key.private_key, tmp_path / "out")
        session = onnxruntime.InferenceSession(str(DIGITS), providers=["CPUExecutionProvider"])
        want = session.run(None, {session.get_inputs()[0].name: images})[0]
        np.testing.assert_array_equal(np.load(path, allow_pickle=False), want)

    run(env, body)


def test_a_replica_with_wrong_outputs_is_caught_and_nobody_is_paid(env: Env, tmp_path: Path) -> None:
    images = (load_digits()[0][40:44] / 16.0).astype(np.float32)[:, None, :, :]
    np.save(tmp_path / "inputs.npy", images)
    store = LocalStore(tmp_path / "blobs")
    requester, honest, cheat = acct(3), acct(4), acct(5)
    key = encryption_key_from_private_key(b"\x08" * 32)

    async def body(chain: Chain) -> None:
        for account in (requester, honest, cheat):
            await chain.fund(account, 1_000 * TOKEN)
        posting = Requester(chain.client, chain.outbox, chain.deployment, store, requester, key.public_key)
        job_id = await posting.submit(JobRequest(DIGITS, tmp_path / "inputs.npy", TOKEN, replicas=2))
        workers = providers(chain, env, store, (honest, cheat), tmp_path)
        real_run = workers[1].runner.run

        def wrong(model: bytes, inputs: bytes, **job: Any) -> bytes:  # skips the work, makes numbers up
            return encode_outputs(
                [(name, array + 1) for name, array in decode_outputs(real_run(model, inputs, **job))]
            )

        workers[1].runner.run = wrong  # type: ignore[method-assign]
        for worker in workers:
            await worker.ensure_registered()
        before = await chain.balances(honest, cheat)
        for _ in range(20):
            for worker in workers:
                await worker.run_once()
            if stages(workers, job_id) == ["lost", "lost"]:
                break
        for worker in workers:
            await worker.stop()
        assert stages(workers, job_id) == ["lost", "lost"]
        assert (await posting.job(job_id)).status == JobStatus.DISAGREED
        assert deltas(await chain.balances(honest, cheat), before) == [0, 0]
        assert await chain.read("ComputeMarket", "balances", requester.address) == 2 * TOKEN
        assert [(await chain.read("ComputeMarket", "reputation", a.address))[3] for a in (honest, cheat)] == [
            1,
            1,
        ]

    run(env, body)
