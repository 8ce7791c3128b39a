"""Sealed compute inputs on a real devnet: the requester's inputs are stored encrypted, a worker that
accepted gets their key from the requester's delivery service and runs the job, a second worker that
reads the same chain and store cannot decrypt them, the arbiter can still re-run a challenged sealed
job, and a job whose requester never delivers is refunded at its deadline with the worker released,
not slashed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from devchain import Chain, Env, acct, run
from market_parties import wallet

from app.compute.arbiter import Arbiter
from app.compute.jobs import JobStatus
from app.compute.provider import ComputeProvider, ProviderConfig
from app.compute.requester import JobRequest, Requester
from app.compute.runner import Limits, SandboxRunner
from app.compute.sealed_inputs import SealedInputsError, open_inputs, parse_manifest, seal
from app.compute.tensors import decode_outputs
from app.compute.training import Recipe
from app.labeling.digits import load_digits
from app.resources import resources_dir
from app.storage import DecryptionError
from app.storage.envelope import read_header
from app.storage.local import LocalStore
from app.wallet.faucet import DEV_MNEMONIC, treasury
from app.wallet.hd import encryption_key_from_mnemonic
from app.workers.input_keys import InputKeyDelivery

pytestmark = pytest.mark.slow
DIGITS = resources_dir() / "models" / "digits.onnx"
TOKEN = 10**18
REQUESTER, HONEST, SNOOP = 3, 4, 5


class Parties:
    """The requester (a real wallet, its delivery service) and two workers, all over one devnet."""

    def __init__(self, chain: Chain, env: Env, tmp_path: Path) -> None:
        self.store = LocalStore(tmp_path / "blobs")
        self.wallet = wallet(tmp_path / "wallet", REQUESTER)
        self.key = self.wallet.encryption_key(REQUESTER)
        self.requester = Requester(
            chain.client, chain.outbox, chain.deployment, self.store, acct(REQUESTER), self.key.public_key
        )
        self.delivery = InputKeyDelivery(
            chain.outbox, chain.deployment, self.store, self.wallet, accounts=[REQUESTER], interval_s=0.1
        )
        config = ProviderConfig(kinds=1, vram_mib=0, min_price=1, stake=100 * TOKEN, poll_s=0.1)
        self.workers = {index: self._worker(chain, env, tmp_path, index, config) for index in (HONEST, SNOOP)}

    def _worker(
        self, chain: Chain, env: Env, tmp_path: Path, index: int, config: ProviderConfig
    ) -> ComputeProvider:
        return ComputeProvider(
            chain.client, chain.outbox, chain.deployment, self.store, env.sessions, acct(index), config,
            tmp_path / f"scratch{index}", encryption_key_from_mnemonic(DEV_MNEMONIC, index),
        )  # fmt: skip

    async def start(self, chain: Chain) -> None:
        for index in (REQUESTER, HONEST, SNOOP):
            await chain.fund(acct(index), 1_000 * TOKEN)
        for worker in self.workers.values():
            await worker.ensure_registered()

    def close(self) -> None:
        for worker in self.workers.values():
            worker.runner.close()


@pytest.fixture
def digits(tmp_path: Path) -> tuple[Path, np.ndarray]:
    images = (load_digits()[0][:8] / 16.0).astype(np.float32)[:, None, :, :]
    np.save(tmp_path / "digits.npy", images)
    session = onnxruntime.InferenceSession(str(DIGITS), providers=["CPUExecutionProvider"])
    (want,) = session.run(None, {session.get_inputs()[0].name: images})
    return tmp_path / "digits.npy", want


def test_only_the_accepting_worker_reads_sealed_inputs(
    env: Env, tmp_path: Path, digits: tuple[Path, np.ndarray]
) -> None:
    inputs, want = digits
    plain = inputs.read_bytes()

    async def body(chain: Chain) -> None:
        p = Parties(chain, env, tmp_path)
        try:
            await p.start(chain)
            honest, snoop = p.workers[HONEST], p.workers[SNOOP]
            job_id = await p.requester.submit(JobRequest(DIGITS, inputs, 2 * TOKEN, sealed=True))
            job = await p.requester.job(job_id)
            assert job.sealed and job.problem is None
            manifest = parse_manifest(b"".join(p.store.get(job.input_cid)))
            assert manifest is not None and manifest.size == len(plain)
            stored = b"".join(p.store.get(manifest.envelope))
            assert plain[128:256] not in stored  # the store holds no plain inputs for this job

            snoop.pause()  # the honest worker takes it
            await honest.run_once()
            assert honest.ledger.get(job_id).stage == "accepted"
            stages: list[str] = []
            honest.events.connect("changed", lambda _job, stage: stages.append(stage))
            await honest.run_once()  # no key yet: it waits, runs nothing
            assert stages == ["awaiting-key"] and honest.ledger.get(job_id).stage == "accepted"

            report = await p.delivery.run_once()
            assert report.delivered == [(job_id, honest.address)]
            assert (await p.delivery.run_once()).delivered == []  # once per run, restarts included
            (event,) = await honest.market.events("InputKeyDelivered", job_id)

            # Attack: the second worker reads the chain and the store and tries to open the inputs.
            snoop_key = snoop.encryption
            assert snoop_key is not None
            with pytest.raises(SealedInputsError):
                open_inputs(p.store.get(manifest.envelope), manifest, bytes(event["sealedKey"]),
                            snoop_key.private_key)  # fmt: skip
            with pytest.raises(DecryptionError):
                read_header(p.store.get(manifest.envelope)).content_key(snoop_key.private_key)
            snoop.resume()
            await snoop.run_once()
            assert snoop.ledger.get(job_id) is None  # it cannot take the running job either

            await honest.run_once()  # key in: decrypt, verify, run, seal the result
            await honest.run_once()  # submit it
            assert honest.ledger.get(job_id).stage == "submitted", honest.ledger.get(job_id)
            ((_, outputs),) = decode_outputs(await p.requester.plain_result(job_id, p.key.private_key))
            np.testing.assert_array_equal(outputs, want)

            # The arbiter can still check a sealed job: the challenge discloses the inputs' key.
            await p.requester.challenge(job_id, p.key.private_key, "checking the check")
            arbiter = Arbiter(chain.client, chain.outbox, chain.deployment, p.store, treasury(),
                              SandboxRunner(tmp_path / "arbiter", Limits(cpu_s=120, wall_s=120)))  # fmt: skip
            ruling = await arbiter.resolve(job_id)
            assert ruling.provider_wins and "re-run of the job gives the delivered outputs" in ruling.note
            before = (await chain.balances(acct(HONEST)))[0]
            await honest.run_once()
            assert honest.ledger.get(job_id).stage == "paid"
            bond = job.payment // 2
            assert (await chain.balances(acct(HONEST)))[0] - before == 2 * TOKEN + bond
        finally:
            p.close()

    run(env, body)


def test_a_requester_that_never_delivers_refunds_and_releases_the_worker(
    env: Env, tmp_path: Path, digits: tuple[Path, np.ndarray]
) -> None:
    inputs, _ = digits

    async def body(chain: Chain) -> None:
        p = Parties(chain, env, tmp_path)
        try:
            await p.start(chain)
            honest = p.workers[HONEST]
            p.workers[SNOOP].pause()
            request = JobRequest(DIGITS, inputs, 2 * TOKEN, collateral=5 * TOKEN, open_s=600, run_s=1200,
                                 sealed=True)  # fmt: skip
            job_id = await p.requester.submit(request)
            await honest.run_once()
            assert honest.ledger.get(job_id).stage == "accepted"
            stake = (await chain.read("ComputeMarket", "getProvider", honest.address))[0]
            owed = await chain.read("ComputeMarket", "balances", acct(REQUESTER).address)

            job = await p.requester.job(job_id)
            await chain.advance(job.deadline - job.window - await chain.now() + 1)  # the app was offline
            assert (await p.delivery.run_once()).delivered == []  # too late now: no key is sent
            await honest.run_once()  # still waiting for its key
            await chain.advance(job.window + 1)
            await honest.run_once()  # past the deadline: the worker itself ends the job, keyless
            assert (await p.requester.job(job_id)).status == JobStatus.EXPIRED
            owed_now = await chain.read("ComputeMarket", "balances", acct(REQUESTER).address)
            assert owed_now - owed == 2 * TOKEN  # the payment back; the collateral stays the worker's
            provider = await chain.read("ComputeMarket", "getProvider", honest.address)
            assert provider[0] == stake + 5 * TOKEN and provider[1] == 0  # released, nothing slashed
            await honest.run_once()
            record = honest.ledger.get(job_id)
            assert record.stage == "lost" and "released unpaid" in (record.error or "")
        finally:
            p.close()

    run(env, body)


def test_attack_a_job_whose_inputs_and_chain_disagree_on_sealing_is_not_taken(
    env: Env, tmp_path: Path, digits: tuple[Path, np.ndarray]
) -> None:
    """A requester posting a manifest as plain inputs could keep the key and, the chain not knowing
    the job is sealed, take the worker's collateral at the timeout; a job the chain marks sealed
    whose inputs are no manifest cannot be opened. The worker takes neither."""
    inputs, _ = digits

    async def body(chain: Chain) -> None:
        p = Parties(chain, env, tmp_path)
        try:
            await p.start(chain)
            honest = p.workers[HONEST]
            p.workers[SNOOP].pause()
            model = str(p.store.put([DIGITS.read_bytes()]))
            manifest = seal(p.store, inputs.read_bytes(), p.key.public_key)
            plain = str(p.store.put([inputs.read_bytes()]))
            now = await chain.now()
            posted = []
            for function, input_cid in (("postJobWithPermit", manifest), ("postSealedJobWithPermit", plain)):
                params = (
                    0,
                    model,
                    input_cid,
                    p.key.public_key,
                    1,
                    0,
                    1,
                    TOKEN,
                    TOKEN,
                    now + 900,
                    now + 2400,
                    600,
                )
                permit = await chain.permit(acct(REQUESTER), "ComputeMarket", TOKEN)
                receipt = await chain.send(acct(REQUESTER), "ComputeMarket", function, params, *permit.args)
                posted.append(int(chain.one("ComputeMarket", "JobPosted", receipt)["jobId"]))
            await honest.run_once()
            reasons = []
            for job_id in posted:
                assert honest.ledger.get(job_id) is None, (
                    "the worker took a job it could lose its collateral on"
                )
                reasons.append(await asyncio.to_thread(honest._precheck, await honest.market.job(job_id)))
            assert "sealed but the chain does not say so" in (reasons[0] or "")
            assert "not a sealed-inputs manifest" in (reasons[1] or "")
        finally:
            p.close()

    run(env, body)


def test_a_sealed_training_job_trains_on_the_decrypted_dataset(env: Env, tmp_path: Path) -> None:
    """The dataset zip of a training job is sealed like inference inputs; the requester's check of
    the model re-measures it against the dataset it decrypts from its own envelope."""
    pytest.importorskip("torch", reason="the training job needs torch")
    datasets = pytest.importorskip("compute_datasets")
    (tmp_path / "dataset.zip").write_bytes(datasets.digits_zip(tmp_path, 150))

    async def body(chain: Chain) -> None:
        p = Parties(chain, env, tmp_path)
        try:
            await p.start(chain)
            honest = p.workers[HONEST]
            p.workers[SNOOP].pause()
            recipe = Recipe(epochs=12, image_size=16, channels=1, seed=11)
            request = JobRequest(None, tmp_path / "dataset.zip", TOKEN, recipe=recipe, sealed=True)
            job_id = await p.requester.submit(request)
            await honest.run_once()
            assert honest.ledger.get(job_id).stage == "accepted"
            assert (await p.delivery.run_once()).delivered == [(job_id, honest.address)]
            await honest.run_once()
            await honest.run_once()
            assert honest.ledger.get(job_id).stage == "submitted", honest.ledger.get(job_id)
            model = await p.requester.fetch_model(job_id, p.key.private_key)
            assert (
                model.metrics["holdout_accuracy"] > 0.5
                and model.dataset_cid == (await p.requester.job(job_id)).input_cid
            )
        finally:
            p.close()

    run(env, body)
