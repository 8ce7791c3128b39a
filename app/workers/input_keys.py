"""Input-key delivery, the requester's side of a sealed compute job: a worker accepted, hand it the key.

A job posted with sealed inputs (``app.compute.sealed_inputs``) can only be run by a worker the
requester gave the inputs' content key. So while the requester's app runs (the window, ``sahara
serve``, ``sahara compute deliver``), this service watches the served accounts' sealed jobs and, for
each run accepted and not yet keyed, takes the content key from the requester's own envelope
(``content_keys.unwrap_own_key``: the requester is a reader of its blob, so no key is stored),
wraps it to the encryption key the worker registered in its provider spec (``wrapped_key``), and
posts it with ``ComputeMarket.deliverInputKey`` through the outbox under the intent
``compute-key:<market>:<job>:<provider>`` (so a restart never delivers twice).

Only a provider holding an accepted run of the job gets a key: a worker that merely reads the chain
and the store sees the manifest and the envelope, never the key. The chain refuses a key later than
one window before the deadline; a job whose key never came is refunded at its deadline (the worker
released, unpaid and unslashed). The state is the chain's: nothing is kept between passes but a
scan cursor in memory, so a restart rescans this account's jobs from the deployment's block.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.chain.contracts import Deployment
from app.compute.jobs import MARKET, JobStatus, Market, RunStatus
from app.compute.sealed_inputs import (
    MAX_MANIFEST_BYTES,
    SealedInputsError,
    parse_manifest,
    spec_public_key,
    wrap_for,
)
from app.storage import BlobStore, DecryptionError, StorageError, as_cid, read_limited
from app.wallet.calls import transact
from app.wallet.outbox import Outbox, OutboxError, TxReverted
from app.wallet.service import WalletLocked
from app.workers.content_keys import unwrap_own_key
from app.workers.key_delivery import SellerWallet

log = logging.getLogger(__name__)

MAX_SPEC_BYTES = 4096
ZERO = "0x0000000000000000000000000000000000000000"


@dataclass
class KeyPass:
    """What one pass did: keys delivered as (job, provider), jobs still watched, why it stopped."""

    delivered: list[tuple[int, str]] = field(default_factory=list)
    watching: list[int] = field(default_factory=list)
    stopped: str | None = None


class InputKeyDelivery:
    """Deliver the input keys of the served accounts' sealed jobs on one ComputeMarket."""

    def __init__(
        self,
        outbox: Outbox,
        deployment: Deployment,
        store: BlobStore,
        wallet: SellerWallet,
        *,
        accounts: Sequence[int] | None = None,
        interval_s: float = 5.0,
        margin_s: int = 60,  # no key sent this close to the chain's cut-off (it would revert)
    ) -> None:
        self.outbox, self.deployment, self.store, self.wallet = outbox, deployment, store, wallet
        self.account_indices = None if accounts is None else tuple(accounts)
        self.interval_s, self.margin_s = interval_s, margin_s
        self._scanned: dict[str, int] = {}  # account → next block to scan for its JobPosted
        self._jobs: dict[str, set[int]] = {}  # account → its sealed jobs not yet over

    def _market(self) -> Market:
        return Market(self.outbox.client, self.deployment)  # the client is swapped on devnet restarts

    async def run(self) -> None:
        """Pass after pass until cancelled; an unexpected error is logged and the next pass runs."""
        while True:
            try:
                report = await self.run_once()
                if report.delivered:
                    log.info("input keys delivered: %s", report.delivered)
            except Exception:
                log.exception("input-key delivery pass failed; retrying")
            await asyncio.sleep(self.interval_s)

    async def run_once(self) -> KeyPass:
        report = KeyPass()
        market = self._market()
        for entry in self.wallet.accounts():
            if self.account_indices is not None and entry.index not in self.account_indices:
                continue
            try:
                await self._serve(market, entry.index, entry.address, report)
            except WalletLocked:
                report.stopped = "the wallet is locked: workers wait for their keys until it is unlocked"
                break
        return report

    async def _serve(self, market: Market, index: int, address: str, report: KeyPass) -> None:
        high = await market.client.block_number()
        low = self._scanned.get(address, self.deployment.block)
        if low <= high:
            found = self._jobs.setdefault(address, set())
            for job_id in await market.jobs_posted_by(address, low):
                if await market.call("sealedInputs", job_id):
                    found.add(job_id)
            self._scanned[address] = high + 1
        for job_id in sorted(self._jobs.get(address, ())):
            if not await self._serve_job(market, index, job_id, report):
                self._jobs[address].discard(job_id)
            else:
                report.watching.append(job_id)

    async def _serve_job(self, market: Market, index: int, job_id: int, report: KeyPass) -> bool:
        """Deliver the keys this job's accepted runs lack; False once it can need no more (every
        replica taken and keyed, or the job over, or too late for a key)."""
        job = await market.job(job_id)
        if job.status not in (JobStatus.OPEN, JobStatus.RUNNING):
            return False
        if await market.now() + self.margin_s > job.deadline - job.window:
            return False  # too late for any key: the job ends refunded at its deadline
        needed = job.status == JobStatus.OPEN  # a replica may still be taken
        keyed = await market.call("inputKeyDeliveredAt", job_id)
        for slot, run in enumerate(await market.runs(job_id)):
            if run.provider == ZERO or run.status != RunStatus.ACCEPTED or int(keyed[slot]):
                continue
            try:
                sealed_key = await self._wrapped_key(market, index, job.input_cid, run.provider)
                await transact(
                    self.outbox, self.wallet.signer(index), self.deployment, MARKET, "deliverInputKey",
                    job_id, run.provider, sealed_key,
                    intent=f"compute-key:{market.address}:{job_id}:{run.provider}",
                    description=f"send job {job_id}'s input key to the worker that took it",
                )  # fmt: skip
            except (SealedInputsError, StorageError, DecryptionError, TxReverted, OutboxError) as exc:
                log.warning("job %d: no key delivered to %s yet: %s", job_id, run.provider, exc)
                needed = True
                continue
            report.delivered.append((job_id, run.provider))
        return needed

    async def _wrapped_key(self, market: Market, index: int, input_cid: str, provider: str) -> bytes:
        spec_cid = await market.spec_cid(provider)
        if spec_cid is None:
            raise SealedInputsError(f"{provider} is not a registered provider")
        private = self.wallet.encryption_key(index).private_key

        def work() -> bytes:
            spec = read_limited(self.store, spec_cid, MAX_SPEC_BYTES)
            manifest = parse_manifest(read_limited(self.store, input_cid, MAX_MANIFEST_BYTES))
            if manifest is None:
                raise SealedInputsError("the job's inputs are not a sealed-inputs manifest")
            content_key = unwrap_own_key(self.store, as_cid(manifest.envelope), [private])
            return wrap_for(content_key, spec_public_key(spec))

        return await asyncio.to_thread(work)
