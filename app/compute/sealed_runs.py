"""The worker's side of sealed inputs (sealed_inputs.py) on chain: whether a job's sealing is one it
can take, and the key the requester delivered to it (``InputKeyDelivered``), if any yet."""

from __future__ import annotations

from eth_utils import to_checksum_address

from app.compute.jobs import Job, Market
from app.compute.sealed_inputs import Manifest

SEALED_FAILURE = "sealed inputs: "  # how a run's error starts when its inputs did not open or match


def sealing_problem(job: Job, manifest: Manifest | None, max_bytes: int) -> str | None:
    """Why a worker must not take ``job`` given what its inputs blob is (a manifest or plain inputs).
    A manifest on a job the chain does not mark sealed is refused: the requester could keep the key
    and, the chain not knowing, take the collateral at the timeout."""
    if manifest is not None and not job.sealed:
        return (
            "its inputs are sealed but the chain does not say so (a requester that never sent the key "
            "would take the collateral)"
        )
    if manifest is None and job.sealed:
        return "the chain says its inputs are sealed but they are not a sealed-inputs manifest"
    if manifest is not None and manifest.size > max_bytes:
        return f"its sealed inputs are larger than {max_bytes} bytes"
    return None


async def delivered_key(market: Market, job_id: int, provider: str) -> bytes | None:
    """The wrapped key the requester delivered to ``provider`` for ``job_id``; None if not yet."""
    for event in await market.events("InputKeyDelivered", job_id):
        if to_checksum_address(event["provider"]) == provider:
            return bytes(event["sealedKey"])
    return None


async def key_arrived(market: Market, job_id: int, provider: str) -> bool:
    """Whether the chain recorded a key delivery to ``provider``'s run of ``job_id``."""
    slots = [run.provider for run in await market.runs(job_id)]
    return bool(int((await market.call("inputKeyDeliveredAt", job_id))[slots.index(provider)]))
