"""The provider loop: take jobs this computer can run, run them sandboxed, get paid.

One round (``run_once``) first moves every job it holds one step on, reading the chain for where
each stands, then, unless paused or busy, takes one new job:

    accept → run in the sandbox → seal the result to the requester (envelope) and store it →
      replicas = 1: submitResult → wait out the challenge window → finalizeJob → withdraw
      replicas = 2: commitResult (salt saved first) → revealResult → submitResult → withdraw

A job is taken only when it is valid (jobs.py), its price is at least the owner's floor, the
hardware matches, enough time is left, the free stake covers its collateral, and its model and
inputs were fetched and passed the sandbox's checks: a model refused after accepting would cost
the collateral. A job with sealed inputs (sealed_inputs.py) is checked as far as it can be before
accepting (its model or recipe, its manifest and size); after accepting, the worker waits for the
requester's ``InputKeyDelivered``, opens the inputs with its encryption key and checks their hash
against the manifest before running. The spec it registers names that encryption key.

State lives in ``compute_run`` (ledger.py) and every transaction goes through the outbox with an
intent per job and step, so a worker killed at any moment resumes where it was.

``pause()`` stops taking jobs and kills a running one (it is re-run on ``resume()`` if its
deadline allows). ``start()``/``stop()`` run the loop as an asyncio task, for a composition root.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from sqlalchemy.orm import Session, sessionmaker

from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.compute.dataset import DatasetError, check_dataset
from app.compute.jobs import MARKET, ORT_PROVIDER, Job, JobStatus, Kind, Market, RunStatus
from app.compute.ledger import Ledger, RunRecord
from app.compute.onnx_check import UnsafeModel, check_model
from app.compute.runner import JobError, JobKilled, Limits, SandboxRunner
from app.compute.sealed_inputs import SealedInputsError, open_inputs, parse_manifest
from app.compute.sealed_runs import SEALED_FAILURE, delivered_key, key_arrived, sealing_problem
from app.compute.tensors import TensorError, decode_inputs, result_hash
from app.compute.training import TASK_TRAINING, RecipeError, parse_recipe, training_available
from app.events import Events
from app.storage import BlobStore, StorageError, read_limited
from app.storage.envelope import encrypt
from app.storage.keywrap import parse_public_key
from app.wallet.calls import transact
from app.wallet.hd import EncryptionKey
from app.wallet.outbox import Outbox, OutboxError, Signer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProviderConfig:
    """What the owner decided: hardware offered (``vram_mib`` is the owner's VRAM cap: no job needing
    more is taken, and jobs run under it), price floor and stake (wei), sandbox limits, and whether
    training jobs are offered (where torch imports)."""

    kinds: int
    vram_mib: int
    min_price: int
    stake: int
    limits: Limits = field(default_factory=Limits)
    poll_s: float = 5.0
    max_blob_bytes: int = 256 * 1024 * 1024
    min_time_left_s: int = 60  # a job due sooner than this is not taken
    training: bool = field(default_factory=training_available)
    sealed: bool = True  # takes jobs with sealed inputs (the provider has an encryption key)


def refusal(job: Job, config: ProviderConfig, address: str, now: int, free_stake: int) -> str | None:
    """Why this worker does not take ``job`` (in words), or None when it may."""
    if job.problem:
        return job.problem
    if job.requester == address:
        return "it is this account's own job"
    if job.sealed and not config.sealed:
        return "its inputs are sealed and this worker has no encryption key to receive them"
    if job.task == TASK_TRAINING and not config.training:
        return "it is a training job; this worker does not train (torch is not installed)"
    if job.payment < config.min_price:
        return f"it pays {job.payment} wei, below the floor of {config.min_price}"
    if not job.kinds & config.kinds:
        return "it needs a provider kind this computer does not offer"
    if job.min_vram_mib > config.vram_mib:
        return f"it needs {job.min_vram_mib} MiB of VRAM"
    if now >= job.expires_at or job.deadline - now < config.min_time_left_s:
        return "too little time is left"
    if job.collateral > free_stake:
        return f"its collateral ({job.collateral} wei) is more than the free stake"
    return None


class ComputeProvider:
    """One account's worker on one market. Events: ``changed(job_id, stage)``."""

    def __init__(
        self,
        client: ChainClient,
        outbox: Outbox,
        deployment: Deployment,
        store: BlobStore,
        sessions: sessionmaker[Session],
        signer: Signer,
        config: ProviderConfig,
        scratch: Path,
        encryption: EncryptionKey | None = None,
    ) -> None:
        self.outbox, self.deployment, self.store, self.signer = outbox, deployment, store, signer
        self.encryption = encryption  # opens sealed inputs; without it sealed jobs are not taken
        self.config = config if encryption is not None else replace(config, sealed=False)
        self.market = Market(client, deployment)
        self.address = to_checksum_address(signer.address)
        self.ledger = Ledger(sessions, deployment.chain_id, self.market.address, self.address)
        limits = config.limits if config.limits.vram_mib else replace(config.limits, vram_mib=config.vram_mib)
        self.runner = SandboxRunner(scratch, limits, keep_warm=True)
        self.events = Events("changed")
        self._paused = False
        self._skipped: set[int] = set()  # jobs found unrunnable this session
        self.awaiting_key: set[int] = set()  # accepted sealed jobs whose requester has not sent the key
        self._checked: dict[str, bytes] = {}  # the blobs of the job last prechecked, run without a refetch
        self._task: asyncio.Task[None] | None = None

    # -- control ---------------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """Take no new job and kill the running one (it stays ours and is re-run on resume)."""
        self._paused = True
        self.runner.kill("paused by the owner")

    def resume(self) -> None:
        self._paused = False

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name="compute-provider")

    async def stop(self) -> None:
        self.runner.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        """Register, then rounds forever; an error in a round is logged and the next round retries."""
        await self.ensure_registered()
        while True:
            await self.round()
            await asyncio.sleep(self.config.poll_s)

    async def round(self) -> None:
        """``run_once``, with a failure the next round can cure (node, storage, disk) logged, not raised."""
        try:
            await self.run_once()
        except (OutboxError, StorageError, OSError) as exc:
            log.warning("compute round failed, retrying: %s", exc)

    # -- chain steps -----------------------------------------------------------------------------
    async def _send(self, function: str, *args: object, intent: str, contract: str = MARKET) -> None:
        await transact(
            self.outbox, self.signer, self.deployment, contract, function, *args,
            intent=f"compute:{self.market.address}:{intent}", description=f"{contract}.{function}",
        )  # fmt: skip

    async def ensure_registered(self) -> None:
        """Register with the configured stake, or update the spec (hardware, encryption key) if it changed."""
        spec = await self.market.call("getProvider", self.address)
        registered = bool(spec[3])
        spec_cid = await asyncio.to_thread(self._put_spec)
        if registered and spec_cid == await self.market.spec_cid(self.address):
            return
        if registered:
            kinds, vram = self.config.kinds, self.config.vram_mib
            await self._send("updateSpec", spec_cid, kinds, vram, intent=f"spec:{spec_cid}:{kinds}:{vram}")
            return
        stake = self.config.stake
        await self._send("approve", self.market.address, stake, intent=f"approve-stake:{stake}",
                         contract="SaharaToken")  # fmt: skip
        await self._send("registerProvider", spec_cid, self.config.kinds, self.config.vram_mib, stake,
                         intent="register")  # fmt: skip

    def _put_spec(self) -> str:
        import json

        body: dict[str, object] = {
            "kinds": [k.name for k in Kind if k & self.config.kinds],
            "vramMiB": self.config.vram_mib,
        }
        if self.encryption is not None:  # where requesters send the keys to sealed inputs
            body["encryptionKey"] = "0x" + self.encryption.public_key.hex()
        return str(self.store.put([json.dumps(body, sort_keys=True).encode()]))

    # -- one round -------------------------------------------------------------------------------
    async def run_once(self) -> None:
        for record in self.ledger.unfinished():
            try:
                await self._advance(record)
            except (OutboxError, StorageError) as exc:
                log.warning("job %d: %s (retrying next round)", record.job_id, exc)
        if not self._paused and not any(r.stage == "accepted" for r in self.ledger.unfinished()):
            await self._take_one()

    def _set(self, job_id: int, stage: str, **fields: object) -> RunRecord:
        record = self.ledger.save(job_id, stage, **fields)
        self.events.emit("changed", job_id, stage)
        return record

    async def _take_one(self) -> None:
        now = await self.market.now()
        free = int((await self.market.call("getProvider", self.address))[0])
        for job_id in await self.market.open_job_ids():
            if job_id in self._skipped or self.ledger.get(job_id) is not None:
                continue
            job = await self.market.job(job_id)
            why = refusal(job, self.config, self.address, now, free)
            if why is None and any(r.provider == self.address for r in await self.market.runs(job_id)):
                why = "this worker already holds a replica"
            if why is None:
                why = await asyncio.to_thread(self._precheck, job)
            if why is not None:
                log.info("job %d skipped: %s", job_id, why)
                self._skipped.add(job_id)
                continue
            self._set(job_id, "accepting", payment=job.payment)
            await self._accept(job_id)
            return

    def _fetch(self, cid: str) -> bytes:
        return read_limited(self.store, cid, self.config.max_blob_bytes)

    def _precheck(self, job: Job) -> str | None:
        """Why the job's blobs cannot run (read, but not decoded in full: images are for the sandbox).
        The blobs of a job that passes are kept for its run (one job at a time)."""
        self._checked = {}
        try:
            model, inputs = self._fetch(job.model_cid), self._fetch(job.input_cid)
            manifest = parse_manifest(inputs)
            why = sealing_problem(job, manifest, self.config.max_blob_bytes)
            if why is not None:
                return why
            if job.task == TASK_TRAINING:
                parse_recipe(model)
                if manifest is None:
                    check_dataset(inputs)
            else:
                check_model(model)
                if manifest is None:
                    decode_inputs(inputs)
        except (UnsafeModel, TensorError, RecipeError, DatasetError, StorageError, SealedInputsError) as exc:
            return str(exc)
        self._checked = {job.model_cid: model, job.input_cid: inputs}
        return None

    def _blob(self, cid: str) -> bytes:
        """A job's blob: kept from its precheck (popped), else fetched (after a restart)."""
        kept = self._checked.pop(cid, None)
        return kept if kept is not None else self._fetch(cid)

    async def _accept(self, job_id: int) -> None:
        from app.wallet.outbox import TxReverted

        try:
            await self._send("acceptJob", job_id, intent=f"accept:{job_id}")
        except TxReverted as exc:  # taken or closed meanwhile: it was never ours
            log.info("job %d not accepted: %s", job_id, exc)
            self.ledger.forget(job_id)
            return
        self._set(job_id, "accepted")

    # -- moving a held job on --------------------------------------------------------------------
    async def _advance(self, record: RunRecord) -> None:
        job_id = record.job_id
        job = await self.market.job(job_id)
        mine = [r for r in await self.market.runs(job_id) if r.provider == self.address]
        if record.stage == "accepting":
            if not mine:
                await self._accept(job_id)
                return
            record = self._set(job_id, "accepted")
        if not mine:
            self._set(job_id, "lost", error="the chain has no run of this worker for this job")
            return
        run = mine[0]
        if run.status == RunStatus.PAID:
            await self._withdraw(job_id)
            self._set(job_id, "paid")
            return
        if run.status in (RunStatus.SLASHED, RunStatus.RELEASED):
            what = "slashed" if run.status == RunStatus.SLASHED else "released unpaid"
            self._set(job_id, "lost", error=f"the run was {what} (job {job.status.name.lower()})")
            return
        now = await self.market.now()
        if record.stage == "accepted":
            if not self._paused and now <= job.deadline:
                await self._compute(job)
            elif job.sealed and now > job.deadline:
                await self._release_unkeyed(job)
        elif record.stage == "sealed":
            await self._deliver(job, record)
        elif record.stage == "committed" and job.status == JobStatus.RUNNING:
            runs = await self.market.runs(job_id)
            if all(r.status >= RunStatus.COMMITTED for r in runs):
                assert record.salt and record.result_hash
                await self._send("revealResult", job_id, bytes.fromhex(record.result_hash[2:]),
                                 bytes.fromhex(record.salt[2:]), intent=f"reveal:{job_id}")  # fmt: skip
                self._set(job_id, "revealed")
        elif record.stage == "revealed" and job.status == JobStatus.AGREED:
            await self._submit(job, record)
        elif record.stage == "submitted":
            await self._finalize(job, now)

    async def _inputs(self, job: Job) -> bytes | None:
        """The job's plain inputs; for sealed inputs, None while the requester's key has not come."""
        inputs = await asyncio.to_thread(self._blob, job.input_cid)
        if not job.sealed:
            return inputs
        sealed_key = await delivered_key(self.market, job.job_id, self.address)
        if sealed_key is None:
            if job.job_id not in self.awaiting_key:
                self.awaiting_key.add(job.job_id)
                self.events.emit("changed", job.job_id, "awaiting-key")
            return None
        self.awaiting_key.discard(job.job_id)
        manifest = parse_manifest(inputs)
        assert manifest is not None and self.encryption is not None  # checked before accepting
        private = self.encryption.private_key
        return await asyncio.to_thread(
            lambda: open_inputs(self.store.get(manifest.envelope), manifest, sealed_key, private)
        )

    async def _release_unkeyed(self, job: Job) -> None:
        """A sealed job past its deadline whose key never came: ask the chain to end it (a job still
        open, one of two replicas taken, is past its expiry too), which releases this worker's
        collateral and refunds the requester; the next round reads the released run. Read from the
        chain, so it holds after a restart too."""
        if await key_arrived(self.market, job.job_id, self.address):
            return  # the key came: a run that missed its deadline is the chain's to slash
        if job.status == JobStatus.RUNNING:
            await self._send("claimTimeout", job.job_id, intent=f"timeout:{job.job_id}")
        elif job.status == JobStatus.OPEN:
            await self._send("expireJob", job.job_id, intent=f"expire:{job.job_id}")

    async def _compute(self, job: Job) -> None:
        try:
            model = await asyncio.to_thread(self._blob, job.model_cid)
            inputs = await self._inputs(job)
            if inputs is None:
                return
            self.runner.provider = self._ort_provider(job)
            result = await asyncio.to_thread(
                lambda: self.runner.run(model, inputs, task=job.task, input_cid=job.input_cid)
            )
        except JobKilled as exc:
            if self._paused:
                log.info("job %d paused: %s", job.job_id, exc)
                return
            self._set(job.job_id, "failed", error=str(exc))
            return
        except SealedInputsError as exc:
            self._set(job.job_id, "failed", error=f"{SEALED_FAILURE}{exc}")
            return
        except JobError as exc:
            self._set(job.job_id, "failed", error=str(exc))
            return
        digest = "0x" + result_hash(result).hex()
        key = parse_public_key(job.encryption_key)
        cid = await asyncio.to_thread(lambda: str(self.store.put(encrypt([result], [key]))))
        self._set(job.job_id, "sealed", result_hash=digest, envelope_cid=cid)

    def _ort_provider(self, job: Job) -> str:
        for kind in (Kind.CUDA, Kind.DIRECTML, Kind.COREML, Kind.CPU):
            if kind & job.kinds & self.config.kinds:
                return ORT_PROVIDER[kind]
        return ORT_PROVIDER[Kind.CPU]

    async def _deliver(self, job: Job, record: RunRecord) -> None:
        if job.replicas == 1:
            await self._submit(job, record)
            return
        if job.status != JobStatus.RUNNING:
            return  # the second replica is not taken yet
        assert record.result_hash
        salt = record.salt or "0x" + os.urandom(32).hex()
        if record.salt is None:
            self._set(job.job_id, "sealed", salt=salt)  # durable before the commitment exists
        commitment = keccak(
            encode(["uint256", "address", "bytes32", "bytes32"],
                   [job.job_id, self.address, bytes.fromhex(record.result_hash[2:]), bytes.fromhex(salt[2:])])
        )  # fmt: skip
        await self._send("commitResult", job.job_id, commitment, intent=f"commit:{job.job_id}")
        self._set(job.job_id, "committed")

    async def _submit(self, job: Job, record: RunRecord) -> None:
        assert record.envelope_cid and record.result_hash
        digest = bytes.fromhex(record.result_hash[2:])
        await self._send(
            "submitResult", job.job_id, record.envelope_cid, digest, intent=f"submit:{job.job_id}"
        )
        self._set(job.job_id, "submitted")
        if job.replicas == 2:  # paid on delivery
            await self._withdraw(job.job_id)
            self._set(job.job_id, "paid")

    async def _finalize(self, job: Job, now: int) -> None:
        due = {JobStatus.SUBMITTED: job.result_at + job.window, JobStatus.CHALLENGED: job.rule_by}
        if job.status in due and now > due[job.status]:
            await self._send("finalizeJob", job.job_id, intent=f"finalize:{job.job_id}")
            await self._withdraw(job.job_id)
            self._set(job.job_id, "paid")

    async def _withdraw(self, job_id: int) -> None:
        if int(await self.market.call("balances", self.address)) > 0:
            await self._send("withdraw", intent=f"withdraw:{job_id}")
