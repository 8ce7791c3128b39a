"""The ComputeMarket with two worker processes and a requester on a real devnet (issue 15's check):
an honest worker runs an inference job and a training job (the image classifier over a labeling
export of real digits) and is paid exactly their prices; the requester's outputs are ONNX Runtime's
own and the trained model holds up against its dataset. A cheating worker that delivers wrong
outputs is caught by the requester, challenged, ruled against by the arbiter after a re-run in the
sandbox, and slashed: the requester gets its payment, its bond and the cheat's collateral."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from devchain import Chain, Env, acct, run

from app.chain.contracts import save_deployment
from app.compute.arbiter import Arbiter
from app.compute.jobs import JobStatus
from app.compute.requester import JobRequest, Requester
from app.compute.runner import Limits, SandboxRunner
from app.compute.tensors import decode_outputs
from app.compute.training import Recipe
from app.labeling.digits import load_digits
from app.resources import resources_dir
from app.storage.local import LocalStore
from app.wallet.faucet import treasury
from app.wallet.hd import encryption_key_from_private_key

pytestmark = pytest.mark.slow
torch = pytest.importorskip("torch", reason="the training job needs torch")
datasets = pytest.importorskip("compute_datasets")
DIGITS = resources_dir() / "models" / "digits.onnx"
TOKEN = 10**18
CHILD = Path(__file__).with_name("compute_worker_child.py")
REQUESTER, HONEST, CHEAT = 6, 7, 8


class Worker:
    def __init__(self, tmp_path: Path, env: Env, account: int, floor: int, *cheat: str) -> None:
        self.log = tmp_path / f"worker{account}.log"
        folder = tmp_path / f"worker{account}"
        folder.mkdir()
        with open(self.log, "wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, str(CHILD), str(folder / "sahara.db"), env.rpc_url, str(tmp_path),
                 str(tmp_path / "blobs"), str(account), str(floor), str(folder / "scratch"), *cheat],
                stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait(self, text: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log.read_text():
            assert self.process.poll() is None and time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def stop(self) -> str:
        self.process.kill()
        self.process.wait(10)
        return self.log.read_text()


def test_an_honest_worker_is_paid_exactly_and_a_cheat_is_slashed(env: Env, tmp_path: Path) -> None:
    save_deployment(tmp_path, env.deployment)
    store = LocalStore(tmp_path / "blobs")
    images = (load_digits()[0][60:72] / 16.0).astype(np.float32)[:, None, :, :]
    np.save(tmp_path / "digits.npy", images)
    (tmp_path / "dataset.zip").write_bytes(datasets.digits_zip(tmp_path, 150))
    key = encryption_key_from_private_key(b"\x09" * 32)
    session = onnxruntime.InferenceSession(str(DIGITS), providers=["CPUExecutionProvider"])
    (want,) = session.run(None, {session.get_inputs()[0].name: images})
    workers: list[Worker] = []

    async def body(chain: Chain) -> None:
        for index in (REQUESTER, HONEST, CHEAT):
            await chain.fund(acct(index), 1_000 * TOKEN)
        posting = Requester(
            chain.client, chain.outbox, chain.deployment, store, acct(REQUESTER), key.public_key
        )
        honest = Worker(tmp_path, env, HONEST, TOKEN)
        workers.append(honest)
        honest.wait("registered")
        before = await chain.balances(acct(HONEST))
        inference = await posting.submit(JobRequest(DIGITS, tmp_path / "digits.npy", 2 * TOKEN))
        recipe = Recipe(epochs=12, image_size=16, channels=1, seed=11)
        training = await posting.submit(JobRequest(None, tmp_path / "dataset.zip", 3 * TOKEN, recipe=recipe))
        honest.wait(f"job {training}: accepted")

        # The cheat starts once the honest worker holds both; it takes the job below the honest floor.
        cheat = Worker(tmp_path, env, CHEAT, TOKEN // 10, "cheat")
        workers.append(cheat)
        cheat.wait("registered")
        cheated = await posting.submit(
            JobRequest(DIGITS, tmp_path / "digits.npy", TOKEN // 2, collateral=4 * TOKEN)
        )
        for worker, job in ((honest, inference), (honest, training), (cheat, cheated)):
            worker.wait(f"job {job}: submitted")

        ((_, outputs),) = decode_outputs(await posting.plain_result(inference, key.private_key))
        np.testing.assert_array_equal(outputs, want)
        model = await posting.fetch_model(training, key.private_key)
        assert model.dataset_cid == (await posting.job(training)).input_cid  # the parent of a publish
        assert model.metrics["holdout_accuracy"] > 0.5 and model.metrics["classes"] == [
            str(d) for d in range(10)
        ]

        ((_, delivered),) = decode_outputs(await posting.plain_result(cheated, key.private_key))
        assert not np.allclose(delivered, want)  # caught: not what the model gives
        requester_before = await chain.read("ComputeMarket", "balances", acct(REQUESTER).address)
        stake_before = (await chain.read("ComputeMarket", "getProvider", acct(CHEAT).address))[0]
        await posting.challenge(cheated, key.private_key, "the outputs are not the model's")
        bond = (await posting.job(cheated)).payment // 2  # challengeBondBps defaults to 50 %
        arbiter = Arbiter(chain.client, chain.outbox, chain.deployment, store, treasury(),
                          SandboxRunner(tmp_path / "arbiter", Limits(cpu_s=120, wall_s=120)))  # fmt: skip
        ruling = await arbiter.resolve(cheated)
        assert not ruling.provider_wins and "differs from a re-run" in ruling.note
        assert (await posting.job(cheated)).status == JobStatus.SLASHED
        owed = await chain.read("ComputeMarket", "balances", acct(REQUESTER).address)
        assert owed - requester_before == TOKEN // 2 + bond + 4 * TOKEN  # payment, bond, collateral
        provider = await chain.read("ComputeMarket", "getProvider", acct(CHEAT).address)
        assert provider[0] == stake_before  # free stake untouched; the locked collateral is gone
        cheat.wait(f"job {cheated}: lost")

        await chain.advance(601)  # past the challenge window: the honest worker finalizes and withdraws
        honest.wait(f"job {inference}: paid")
        honest.wait(f"job {training}: paid")
        after = await chain.balances(acct(HONEST))
        assert after[0] - before[0] == 2 * TOKEN + 3 * TOKEN  # exactly the two prices, to the wei

    try:
        run(env, body)
    finally:
        logs = [worker.stop() for worker in workers]
    assert all("Traceback" not in log for log in logs), logs
