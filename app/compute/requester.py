"""The requester's side: post an ONNX inference job, follow it, fetch and verify its result.

A job names its model and inputs by CID (both go into the store first; providers read them from
it) and the requester's encryption public key, to which the provider seals the result. Fetching
decrypts the delivered envelope with the requester's private key and checks the plain bytes
against the ``resultHash`` on chain before anything is written: a provider that delivered other
bytes than it committed to is caught here, and the requester can challenge (replicas = 1).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.chain.permit import signed_permit
from app.compute.jobs import MARKET, TASK_INFERENCE, Job, Kind, Market
from app.compute.onnx_check import check_model
from app.compute.tensors import decode_inputs, decode_outputs, result_hash
from app.storage import BlobStore, DecryptionError, StorageError
from app.storage.envelope import decrypt
from app.wallet.calls import events, transact
from app.wallet.outbox import Outbox

MIN_WINDOW_S = 600  # the contract's lower bound for a job's window


class ComputeError(RuntimeError):
    """A request that cannot be made or a result that does not verify; the message says why."""


@dataclass(frozen=True)
class JobRequest:
    model: Path
    inputs: Path
    payment: int  # wei per replica
    collateral: int = 0  # 0: equal to the payment
    replicas: int = 1
    kinds: int = int(Kind.CPU | Kind.CUDA | Kind.DIRECTML | Kind.COREML)
    min_vram_mib: int = 0
    open_s: int = 3600
    run_s: int = 3600
    window_s: int = MIN_WINDOW_S


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
        model, inputs = request.model.read_bytes(), request.inputs.read_bytes()
        check_model(model)  # refused here in words rather than skipped silently by every worker
        decode_inputs(inputs)
        model_cid, input_cid = await asyncio.to_thread(
            lambda: (str(self.store.put([model])), str(self.store.put([inputs])))
        )
        now = await self.market.now()
        expires = now + request.open_s
        params = (
            TASK_INFERENCE, model_cid, input_cid, self.public_key, request.kinds, request.min_vram_mib,
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
            self.outbox, self.signer, self.deployment, MARKET, "postJobWithPermit", params, *permit.args,
            intent=intent, description=f"post a compute job over {request.inputs.name}",
        )  # fmt: skip
        (posted,) = events(self.outbox, self.deployment, MARKET, "JobPosted", receipt)
        return int(posted["args"]["jobId"])

    async def job(self, job_id: int) -> Job:
        return await self.market.job(job_id)

    async def fetch(self, job_id: int, private_key: bytes, output: Path) -> list[Path]:
        """Decrypt the delivered result, check it against the hash on chain, write one ``.npy`` per
        output into ``output``; the files written."""
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
            return self._write(plain, output)
        raise ComputeError(f"no delivered result of job {job_id} verifies: " + "; ".join(problems))

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
