"""The arbiter's check of a challenged job (replicas = 1), run by the app for whoever holds the role.

A requester's challenge stores its reason with the plain result disclosed (requester.py). The
arbiter rules on facts it can check itself:

1. the disclosed bytes hash to the ``resultHash`` the provider committed on chain (else the
   requester disclosed something else, and the provider wins);
2. inference: the job is re-run in the sandbox and each output compared with the delivered one
   (same names and shapes, equal within ``RTOL``/``ATOL``: another CPU or GPU may round differently);
   training: the model must be safe and score the held-out accuracy its metrics state
   (training.verify_model_result), since two honest trainings need not give the same bytes.

A job with sealed inputs is re-run from the inputs' content key the requester disclosed in its
challenge (requester.py): the inputs must decrypt with it and match the hash their manifest promised,
else the challenge does not stand (the provider wins: the arbiter cannot check what it cannot read).

``resolve`` sends the ruling with a note (stored, CID on chain) that says what was found.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import numpy as np
from eth_account.signers.local import LocalAccount

from app import safe_json
from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.compute.jobs import MARKET, Job, JobStatus, Market
from app.compute.runner import JobError, SandboxRunner
from app.compute.sealed_inputs import SealedInputsError, open_with_key, parse_manifest
from app.compute.tensors import TensorError, decode_outputs, result_hash
from app.compute.training import TASK_TRAINING, verify_model_result
from app.storage import BlobStore, StorageError
from app.wallet.calls import transact
from app.wallet.outbox import Outbox

RTOL, ATOL = 1e-4, 1e-5


@dataclass(frozen=True)
class Ruling:
    provider_wins: bool
    note: str


class Arbiter:
    def __init__(
        self,
        client: ChainClient,
        outbox: Outbox,
        deployment: Deployment,
        store: BlobStore,
        signer: LocalAccount,
        runner: SandboxRunner,
    ) -> None:
        self.outbox, self.deployment, self.store, self.signer, self.runner = (
            outbox, deployment, store, signer, runner,
        )  # fmt: skip
        self.market = Market(client, deployment)

    def _get(self, cid: str) -> bytes:
        return b"".join(self.store.get(cid))

    async def review(self, job_id: int) -> Ruling:
        """The ruling the facts support, with what was found in words."""
        job = await self.market.job(job_id)
        if job.status != JobStatus.CHALLENGED:
            raise ValueError(f"job {job_id} is not challenged (it is {job.status.name.lower()})")
        (event,) = await self.market.events("JobChallenged", job_id)
        try:
            reason = safe_json.loads(self._get(str(event["reasonCid"])).decode("utf-8"))
            disclosed = await asyncio.to_thread(self._get, str(reason["result_cid"]))
        except (StorageError, ValueError, KeyError, TypeError) as exc:
            return Ruling(True, f"the challenge discloses no readable result: {exc}")
        if result_hash(disclosed) != job.result_hash:
            return Ruling(True, "the disclosed result is not the one the provider committed to on chain")
        try:
            inputs = await asyncio.to_thread(self._inputs, job, reason.get("inputs_key"))
        except (SealedInputsError, StorageError, ValueError, TypeError) as exc:
            return Ruling(True, f"the challenge does not disclose readable inputs: {exc}")
        return await asyncio.to_thread(self._check, job, disclosed, inputs)

    def _inputs(self, job: Job, disclosed_key: object) -> bytes:
        """The job's plain inputs: as stored, or opened with the key the challenge disclosed."""
        blob = self._get(job.input_cid)
        manifest = parse_manifest(blob)
        if manifest is None:
            return blob
        if not isinstance(disclosed_key, str):
            raise SealedInputsError("its inputs are sealed and the challenge discloses no key to them")
        return open_with_key(self.store.get(manifest.envelope), manifest, bytes.fromhex(disclosed_key))

    def _check(self, job: Job, disclosed: bytes, inputs: bytes) -> Ruling:
        model = self._get(job.model_cid)
        if job.task == TASK_TRAINING:
            try:
                verify_model_result(disclosed, inputs, job.input_cid)
            except ValueError as exc:  # RecipeError, DatasetError
                return Ruling(False, f"the trained model does not hold up: {exc}")
            return Ruling(True, "the model is safe and scores the held-out accuracy it states")
        try:
            delivered = decode_outputs(disclosed)
        except TensorError as exc:
            return Ruling(False, f"the result is not a valid result container: {exc}")
        try:
            ours = decode_outputs(self.runner.run(model, inputs))
        except JobError as exc:  # the job itself cannot run: nothing the provider delivered is right
            return Ruling(False, f"the job does not run here: {exc}")
        if [n for n, _ in ours] != [n for n, _ in delivered]:
            return Ruling(False, "the result's outputs are not the model's outputs")
        for (name, want), (_, got) in zip(ours, delivered, strict=True):
            if want.shape != got.shape or not np.allclose(got, want, rtol=RTOL, atol=ATOL):
                return Ruling(False, f"output {name!r} differs from a re-run of the job")
        return Ruling(True, "a re-run of the job gives the delivered outputs")

    async def resolve(self, job_id: int) -> Ruling:
        """Review the job and send the ruling (``resolve``), its note stored for both parties."""
        ruling = await self.review(job_id)
        note = json.dumps({"job": job_id, "provider_wins": ruling.provider_wins, "note": ruling.note})
        note_cid = await asyncio.to_thread(lambda: str(self.store.put([note.encode()])))
        await transact(
            self.outbox, self.signer, self.deployment, MARKET, "resolve", job_id, ruling.provider_wins,
            note_cid, intent=f"compute-resolve:{job_id}", description=f"rule on compute job {job_id}",
        )  # fmt: skip
        return ruling
