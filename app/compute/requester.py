"""The requester's side: post an ONNX inference or training job, follow it, fetch and verify its
result, and challenge a result that does not hold up.

A job names its model and inputs by CID (both go into the store first; providers read them from
it) and the requester's encryption public key, to which the provider seals the result. Fetching
decrypts the delivered envelope with the requester's private key and checks the plain bytes
against the ``resultHash`` on chain before anything is written: a provider that delivered other
bytes than it committed to is caught here, and the requester can challenge (replicas = 1).

A training job names a built-in recipe (training.py) and a dataset zip; its result is checked
further: a safe model, metrics that name this dataset, and the held-out accuracy they state,
re-measured here. ``fetch_model`` returns what publishing the model needs (the ONNX bytes, the
metrics, the dataset's CID and, when the recipe named it, the dataset's asset id: the parent).

``challenge`` discloses the plain result to the arbiter (stored as the challenge's reason, with the
words) and posts the bond: the arbiter can check it against the hash on chain and re-run the job.
For a job with sealed inputs it discloses the inputs' content key there too: the arbiter cannot
re-run what it cannot read, so challenging makes the inputs as public as the result.

With ``sealed`` (sealed_inputs.py) the inputs are stored encrypted to the requester's own key and
the job is posted with ``postSealedJobWithPermit``; the requester's app must then be running to
hand each accepting worker the key (``app.workers.input_keys``), at least one window before the
deadline, or the job is refunded at its deadline and the worker released.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.chain.permit import signed_permit
from app.compute.dataset import check_dataset
from app.compute.jobs import MARKET, TASK_INFERENCE, Job, Kind, Market
from app.compute.onnx_check import check_model
from app.compute.sealed_inputs import parse_manifest, seal
from app.compute.tensors import decode_inputs, decode_outputs, result_hash
from app.compute.training import TASK_TRAINING, Recipe, RecipeError, verify_model_result
from app.storage import BlobStore, DecryptionError, StorageError
from app.storage.envelope import decrypt, read_header
from app.wallet.calls import events, transact
from app.wallet.outbox import Outbox

MIN_WINDOW_S = 600  # the contract's lower bound for a job's window


class ComputeError(RuntimeError):
    """A request that cannot be made or a result that does not verify; the message says why."""


@dataclass(frozen=True)
class JobRequest:
    """An inference job (``model`` an .onnx file, ``inputs`` one .npy batch) or, with ``recipe``, a
    training job (``inputs`` the dataset zip the labeling export writes; ``model`` unused)."""

    model: Path | None
    inputs: Path
    payment: int  # wei per replica
    collateral: int = 0  # 0: equal to the payment
    replicas: int = 1
    kinds: int = int(Kind.CPU | Kind.CUDA | Kind.DIRECTML | Kind.COREML)
    min_vram_mib: int = 0
    open_s: int = 3600
    run_s: int = 3600
    window_s: int = MIN_WINDOW_S
    recipe: Recipe | None = None
    sealed: bool = False  # inputs encrypted; the requester's app delivers the key to each worker


@dataclass(frozen=True)
class TrainedModel:
    """A verified training result: what publishing the model (parent: the dataset) needs."""

    model: bytes
    metrics: dict[str, Any]
    dataset_cid: str
    dataset_asset: int  # 0 when the recipe did not name the dataset's asset


class Requester:
    def __init__(
        self,
        client: ChainClient,
        outbox: Outbox,
        deployment: Deployment,
        store: BlobStore,
        signer: LocalAccount,
        public_key: bytes,
    ) -> None:
        self.outbox, self.deployment, self.store, self.signer = outbox, deployment, store, signer
        self.public_key = public_key
        self.market = Market(client, deployment)

    async def submit(self, request: JobRequest) -> int:
        """Store the model and inputs, escrow the payment, post the job; its id."""
        inputs = request.inputs.read_bytes()
        if request.recipe is not None:
            if request.replicas != 1:
                raise ComputeError(
                    "a training job has one worker and can be challenged: two honest machines need not "
                    "train the same bytes, so replicas would disagree"
                )
            task, model = TASK_TRAINING, request.recipe.encode()
            check_dataset(inputs)  # refused here in words rather than skipped silently by every worker
        else:
            if request.model is None:
                raise ComputeError("an inference job needs a model")
            task, model = TASK_INFERENCE, request.model.read_bytes()
            check_model(model)
            decode_inputs(inputs)

        def store() -> tuple[str, str]:
            if request.sealed:
                return str(self.store.put([model])), seal(self.store, inputs, self.public_key)
            return str(self.store.put([model])), str(self.store.put([inputs]))

        model_cid, input_cid = await asyncio.to_thread(store)
        now = await self.market.now()
        expires = now + request.open_s
        params = (
            task, model_cid, input_cid, self.public_key, request.kinds, request.min_vram_mib,
            request.replicas, request.payment, request.collateral or request.payment, expires,
            expires + request.run_s, request.window_s,
        )  # fmt: skip
        total = request.payment * request.replicas
        permit = await signed_permit(
            self.market.client,
            self.deployment.address("SaharaToken"),
            self.signer,
            self.market.address,
            total,
        )
        intent = "compute-post:" + keccak(repr(params[:9]).encode()).hex()
        receipt = await transact(
            self.outbox, self.signer, self.deployment, MARKET,
            "postSealedJobWithPermit" if request.sealed else "postJobWithPermit", params, *permit.args,
            intent=intent, description=f"post a compute job over {request.inputs.name}",
        )  # fmt: skip
        (posted,) = events(self.outbox, self.deployment, MARKET, "JobPosted", receipt)
        return int(posted["args"]["jobId"])

    async def job(self, job_id: int) -> Job:
        return await self.market.job(job_id)

    async def fetch(self, job_id: int, private_key: bytes, output: Path) -> list[Path]:
        """Decrypt the delivered result, check it against the hash on chain, write one ``.npy`` per
        output into ``output`` (a training job: ``model.onnx`` and ``metrics.json``, once verified);
        the files written."""
        job = await self.market.job(job_id)
        if job.task == TASK_TRAINING:
            trained = await self.fetch_model(job_id, private_key)
            output.mkdir(parents=True, exist_ok=True)
            (output / "model.onnx").write_bytes(trained.model)
            (output / "metrics.json").write_text(json.dumps(trained.metrics, indent=2, sort_keys=True) + "\n")
            return [output / "model.onnx", output / "metrics.json"]
        return self._write(await self.plain_result(job_id, private_key), output)

    async def fetch_model(self, job_id: int, private_key: bytes) -> TrainedModel:
        """The training job's model, verified against its dataset (``ComputeError`` says why not:
        grounds to ``challenge`` it inside the window)."""
        job = await self.market.job(job_id)
        if job.task != TASK_TRAINING:
            raise ComputeError(f"job {job_id} is not a training job")
        plain = await self.plain_result(job_id, private_key)
        dataset = await asyncio.to_thread(self.plain_inputs, job, private_key)
        try:
            model, metrics = await asyncio.to_thread(verify_model_result, plain, dataset, job.input_cid)
        except (RecipeError, ValueError) as exc:
            raise ComputeError(f"job {job_id}'s model does not hold up: {exc}") from exc
        asset = metrics.get("recipe", {}).get("dataset_asset", 0)
        return TrainedModel(model, metrics, job.input_cid, int(asset) if isinstance(asset, int) else 0)

    async def plain_result(self, job_id: int, private_key: bytes) -> bytes:
        """The delivered result decrypted and checked against its hash on chain."""
        job = await self.market.job(job_id)
        if to_checksum_address(job.requester) != to_checksum_address(self.signer.address):
            raise ComputeError(f"job {job_id} was posted by {job.requester}, not by this account")
        delivered = await self.market.events("ResultSubmitted", job_id)
        if not delivered:
            raise ComputeError(f"job {job_id} has no result yet (status {job.status.name.lower()})")
        problems = []
        for event in delivered:
            try:
                plain = await asyncio.to_thread(self._open, str(event["envelopeCid"]), private_key)
            except (StorageError, DecryptionError) as exc:
                problems.append(f"{event['envelopeCid']}: {exc}")
                continue
            if result_hash(plain) != job.result_hash or job.result_hash != bytes(event["resultHash"]):
                problems.append(f"{event['envelopeCid']}: the result does not match its hash on chain")
                continue
            return plain
        raise ComputeError(f"no delivered result of job {job_id} verifies: " + "; ".join(problems))

    async def challenge(self, job_id: int, private_key: bytes, reason: str) -> str:
        """Dispute a replicas = 1 result inside its window: store the reason with the plain result
        disclosed for the arbiter, post the bond (by permit); the reason's CID."""
        plain = await self.plain_result(job_id, private_key)
        result_cid = await asyncio.to_thread(lambda: str(self.store.put([plain])))
        disclosed: dict[str, object] = {"job": job_id, "reason": reason, "result_cid": result_cid}
        job = await self.market.job(job_id)
        if job.sealed:  # the arbiter re-runs the job: it needs the inputs' key
            disclosed["inputs_key"] = (await asyncio.to_thread(self.inputs_key, job, private_key)).hex()
        body = json.dumps(disclosed, sort_keys=True)
        reason_cid = await asyncio.to_thread(lambda: str(self.store.put([body.encode()])))
        bond = int(await self.market.call("challengeBond", job_id))
        permit = await signed_permit(
            self.market.client, self.deployment.address("SaharaToken"), self.signer, self.market.address, bond
        )
        await transact(
            self.outbox, self.signer, self.deployment, MARKET, "challengeWithPermit", job_id, reason_cid,
            *permit.args, intent=f"compute-challenge:{job_id}", description=f"challenge compute job {job_id}",
        )  # fmt: skip
        return reason_cid

    def inputs_key(self, job: Job, private_key: bytes) -> bytes:
        """The content key of a sealed job's inputs, from the requester's own envelope's header."""
        manifest = parse_manifest(b"".join(self.store.get(job.input_cid)))
        if manifest is None:
            raise ComputeError(f"job {job.job_id}'s inputs are not sealed")
        return read_header(self.store.get(manifest.envelope)).content_key(private_key)

    def plain_inputs(self, job: Job, private_key: bytes) -> bytes:
        """The job's inputs as the requester sent them (decrypted from its own envelope if sealed)."""
        blob = b"".join(self.store.get(job.input_cid))
        manifest = parse_manifest(blob)
        return blob if manifest is None else self._open(manifest.envelope, private_key)

    def _open(self, cid: str, private_key: bytes) -> bytes:
        return b"".join(decrypt(self.store.get(cid), private_key))

    def _write(self, plain: bytes, output: Path) -> list[Path]:
        output.mkdir(parents=True, exist_ok=True)
        written = []
        for index, (name, array) in enumerate(decode_outputs(plain)):
            safe = (
                "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".") or f"output{index}"
            )
            path = output / f"{safe}.npy"
            np.save(path, array, allow_pickle=False)
            written.append(path)
        return written
