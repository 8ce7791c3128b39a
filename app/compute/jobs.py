"""Jobs as the chain describes them, read and validated: what the worker and the requester see.

Everything read here comes from a chain anyone can write to, so nothing is trusted: the job's CIDs
come from its ``JobPosted`` event and are checked against the ``specHash`` the contract stored
(keccak256(abi.encode(task, modelCid, inputCid, encryptionKey))), the CIDs must parse, and the
encryption key must be a public key the envelope code accepts. A job that fails any check is
described as invalid (with the reason) rather than raising, so one bad job never stops a worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import IntEnum, IntFlag
from typing import Any

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from app.chain.bindings import bind
from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.storage import InvalidCid, as_cid
from app.storage.keywrap import BadPublicKey, parse_public_key

MARKET = "ComputeMarket"
CHUNK_BLOCKS = 2_000  # blocks per eth_getLogs call (public RPCs refuse wide ranges)
TASK_INFERENCE = 0
TASKS = {0: "inference", 1: "training"}  # the contract's Task enum; training.py has the recipes


class Kind(IntFlag):
    """Provider kinds, the contract's bits."""

    CPU = 1
    CUDA = 2
    DIRECTML = 4
    COREML = 8


ORT_PROVIDER = {
    Kind.CUDA: "CUDAExecutionProvider",
    Kind.DIRECTML: "DmlExecutionProvider",
    Kind.COREML: "CoreMLExecutionProvider",
    Kind.CPU: "CPUExecutionProvider",
}


class JobStatus(IntEnum):
    NONE = 0
    OPEN = 1
    RUNNING = 2
    SUBMITTED = 3
    CHALLENGED = 4
    AGREED = 5
    COMPLETED = 6
    SLASHED = 7
    DISAGREED = 8
    CANCELLED = 9
    EXPIRED = 10


class RunStatus(IntEnum):
    NONE = 0
    ACCEPTED = 1
    COMMITTED = 2
    REVEALED = 3
    PAID = 4
    SLASHED = 5
    RELEASED = 6


@dataclass(frozen=True)
class Job:
    """``getJob`` with the fields the app uses, plus the spec read from ``JobPosted``."""

    job_id: int
    requester: str
    payment: int
    collateral: int
    expires_at: int
    deadline: int
    window: int
    min_vram_mib: int
    kinds: int
    replicas: int
    task: int
    status: JobStatus
    result_at: int
    rule_by: int
    result_hash: bytes
    spec_hash: bytes
    model_cid: str = ""
    input_cid: str = ""
    encryption_key: bytes = b""
    sealed: bool = False  # its inputs are encrypted; providers wait for ``InputKeyDelivered``
    problem: str | None = None  # why this job cannot be run, in words; None when valid


@dataclass(frozen=True)
class Run:
    provider: str
    status: RunStatus
    commitment: bytes
    result_hash: bytes


def spec_hash(task: int, model_cid: str, input_cid: str, encryption_key: bytes) -> bytes:
    return keccak(
        encode(["uint8", "string", "string", "bytes"], [task, model_cid, input_cid, encryption_key])
    )


def _problem(task: int, model: str, inputs: str, key: bytes, stored: bytes) -> str | None:
    if spec_hash(task, model, inputs, key) != stored:
        return "its JobPosted event does not match the spec hash on chain"
    if task not in TASKS:
        return f"it names an unknown task ({task})"
    try:
        as_cid(model)
        as_cid(inputs)
    except InvalidCid as exc:
        return f"it names an invalid CID: {exc}"
    try:
        parse_public_key(key)
    except BadPublicKey as exc:
        return f"its encryption key is not usable: {exc}"
    return None


class Market:
    """Read-only view of the ComputeMarket for one deployment."""

    def __init__(self, client: ChainClient, deployment: Deployment) -> None:
        self.client = client
        self.deployment = deployment
        self.contract = bind(client.w3, MARKET, deployment.address(MARKET))
        self._specs: dict[int, tuple[str, str, bytes]] = {}

    @property
    def address(self) -> str:
        return to_checksum_address(self.contract.address)

    async def call(self, function: str, *args: Any) -> Any:
        return await self.client.ask(getattr(self.contract.functions, function)(*args).call())

    async def now(self) -> int:
        """The chain's time (the contract's clock, which a devnet can move forward)."""
        return int((await self.client.ask(self.client.w3.eth.get_block("latest")))["timestamp"])

    async def open_job_ids(self, page: int = 100) -> list[int]:
        count = int(await self.call("openJobCount"))
        ids: list[int] = []
        for offset in range(0, count, page):
            ids += [int(i) for i in await self.call("openJobs", offset, page)]
        return sorted(set(ids))

    async def runs(self, job_id: int) -> list[Run]:
        return [
            Run(to_checksum_address(r[0]), RunStatus(int(r[1])), bytes(r[2]), bytes(r[3]))
            for r in await self.call("getRuns", job_id)
        ]

    async def job(self, job_id: int) -> Job:
        """The job with its spec, validated (``problem`` says what is wrong, if anything)."""
        raw = await self.call("getJob", job_id)
        (requester, payment, collateral, _escrow, expires, deadline, window, vram, kinds, replicas, task,
         status, result_at, rule_by, _bond, stored, result) = raw  # fmt: skip
        job = Job(
            job_id, to_checksum_address(requester), int(payment), int(collateral), int(expires),
            int(deadline), int(window), int(vram), int(kinds), int(replicas), int(task),
            JobStatus(int(status)), int(result_at), int(rule_by), bytes(result), bytes(stored),
        )  # fmt: skip
        if job.status == JobStatus.NONE:
            raise KeyError(f"there is no compute job {job_id}")
        spec = await self._spec(job_id)
        if spec is None:
            return replace(job, problem="its JobPosted event was not found")
        model, inputs, key = spec
        return replace(
            job, model_cid=model, input_cid=inputs, encryption_key=key,
            sealed=bool(await self.call("sealedInputs", job_id)),
            problem=_problem(job.task, model, inputs, key, job.spec_hash),
        )  # fmt: skip

    async def events(self, name: str, job_id: int) -> list[Any]:
        """Decoded ``name`` events of one job (the job id is the first indexed argument)."""
        return await self._logs(name, job_id)

    async def spec_cid(self, provider: str) -> str | None:
        """The spec CID of ``provider``'s latest registration or spec update; None if unregistered."""
        address = int(to_checksum_address(provider), 16)
        found = await self._logs("ProviderRegistered", address)
        found += await self._logs("ProviderSpecUpdated", address)
        return str(found[-1]["specCid"]) if found else None

    async def jobs_posted_by(self, requester: str, from_block: int | None = None) -> list[int]:
        """Ids of the jobs ``requester`` posted (from ``from_block``, default the deployment's)."""
        posted = await self._logs("JobPosted", None, int(to_checksum_address(requester), 16), low=from_block)
        return [int(event["jobId"]) for event in posted]

    async def _logs(self, name: str, *indexed: int | None, low: int | None = None) -> list[Any]:
        """Decoded ``name`` logs matching the indexed arguments given (None: any), oldest first."""
        event = getattr(self.contract.events, name)()
        topics: list[str | None] = [event.topic]
        topics += [None if value is None else "0x" + value.to_bytes(32, "big").hex() for value in indexed]
        high = await self.client.block_number()
        low, found = self.deployment.block if low is None else low, []
        while low <= high:
            top = min(high, low + CHUNK_BLOCKS - 1)
            query = {"address": self.contract.address, "topics": topics, "fromBlock": low, "toBlock": top}
            for raw in await self.client.ask(self.client.w3.eth.get_logs(query)):  # type: ignore[arg-type]
                if not raw.get("removed"):
                    found.append(event.process_log(raw)["args"])
            low = top + 1
        return found

    async def _spec(self, job_id: int) -> tuple[str, str, bytes] | None:
        if job_id not in self._specs:
            posted = await self.events("JobPosted", job_id)
            if not posted:
                return None
            params = posted[0]["params"]
            if isinstance(params, Mapping):
                model, inputs, key = params["modelCid"], params["inputCid"], params["encryptionKey"]
            else:
                model, inputs, key = params[1], params[2], params[3]
            if isinstance(key, str):  # some web3 versions give a struct's bytes as hex text
                key = bytes.fromhex(key.removeprefix("0x"))
            self._specs[job_id] = (str(model), str(inputs), bytes(key))
        return self._specs[job_id]
