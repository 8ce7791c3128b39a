"""Every check of the worker's work on one job and its result, read from the worker's record and
the chain, so a GPU owner sees how its work was verified instead of trusting a number.

The checks, in the order a job meets them:

1. the job's spec matches its hash on chain and names valid CIDs and key (``jobs``);
2. its model uses standard ONNX operators only and its inputs decode (checked before accepting);
   a job with sealed inputs: the requester's key opened them and they match their manifest's hash;
3. the sandboxed run produced a result (or the reason it did not);
4. the result hash on chain is the one this worker computed;
5. with two replicas, both workers' committed results agree (redundant execution);
6. the challenge window: closed without a challenge, open until when, or a challenge and the
   arbiter's ruling (spot check by re-running);
7. the pay: paid, slashed or released.

Each check is ``passed``, ``failed``, ``pending`` (not decided yet) or ``skipped`` (does not apply).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from app.compute.jobs import JobStatus, RunStatus
from app.compute.ledger import RunRecord
from app.compute.sealed_runs import SEALED_FAILURE
from app.words import sahara

if TYPE_CHECKING:
    from app.compute.jobs import Job, Market, Run

Result = Literal["passed", "failed", "pending", "skipped"]
AFTER_RUN = ("sealed", "committed", "revealed", "submitted", "paid")


@dataclass(frozen=True)
class WorkCheck:
    name: str
    result: Result
    detail: str


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%d %b %H:%M")


async def job_checks(market: Market, record: RunRecord, address: str) -> list[WorkCheck]:
    """The checks of job ``record.job_id`` as this worker (``address``) sees them now."""
    job = await market.job(record.job_id)
    runs = await market.runs(record.job_id)
    mine = next((r for r in runs if r.provider == address), None)
    now = await market.now()
    challenged = (
        await market.events("JobChallenged", record.job_id) if job.status >= JobStatus.CHALLENGED else []
    )
    rulings = await market.events("DisputeResolved", record.job_id) if challenged else []
    return describe(
        job, runs, mine, record, now, bool(challenged), rulings[0]["providerWins"] if rulings else None
    )


def describe(
    job: Job, runs: list[Run], mine: Run | None, record: RunRecord, now: int, challenged: bool,
    provider_wins: bool | None,
) -> list[WorkCheck]:  # fmt: skip
    """The checks from what was read (pure: the unit tests drive it)."""
    checks = [
        WorkCheck("Job spec matches its hash on chain", "failed" if job.problem else "passed",
                  job.problem or "model, inputs and the requester's key are the ones posted"),
        WorkCheck("Model and inputs are safe to run", "passed" if record.stage != "accepting" else "pending",
                  "standard ONNX operators only, no external files; inputs decode as arrays"),
    ]  # fmt: skip
    ran = record.stage in AFTER_RUN or (mine is not None and mine.status >= RunStatus.COMMITTED)
    if job.sealed:
        checks.append(_sealed(record, ran))
    if record.stage == "failed":
        checks.append(WorkCheck("Sandboxed run", "failed", record.error or "the run produced no result"))
    else:
        detail = f"result {record.result_hash[:18]}…" if record.result_hash else "not run yet"
        checks.append(WorkCheck("Sandboxed run", "passed" if ran else "pending", detail))
    on_chain = "0x" + job.result_hash.hex() if any(job.result_hash) else None
    if on_chain is None:
        checks.append(WorkCheck("Result hash on chain", "pending", "not submitted yet"))
    elif record.result_hash is None or on_chain == record.result_hash:
        checks.append(
            WorkCheck("Result hash on chain", "passed", f"{on_chain[:18]}… is the hash computed here")
        )
    else:
        checks.append(
            WorkCheck("Result hash on chain", "failed", f"{on_chain[:18]}… is not this worker's result")
        )
    checks.append(_replicas(job, runs))
    checks.append(_window(job, now, challenged, provider_wins))
    checks.append(_pay(job, mine, record))
    return checks


def _sealed(record: RunRecord, ran: bool) -> WorkCheck:
    name = "Sealed inputs opened and match their promised hash"
    error = record.error or ""
    if record.stage == "failed" and error.startswith(SEALED_FAILURE):
        return WorkCheck(name, "failed", error.removeprefix(SEALED_FAILURE))
    if ran or record.stage == "failed":  # a run that failed later had its inputs opened first
        return WorkCheck(name, "passed", "the requester's key opened them; hash and size as promised")
    return WorkCheck(
        name, "pending", "waiting for the requester's app to send the key (refunded at the deadline if not)"
    )


def _replicas(job: Job, runs: list[Run]) -> WorkCheck:
    name = "Second worker's result agrees"
    if job.replicas == 1:
        return WorkCheck(name, "skipped", "one replica: verified by the challenge window instead")
    if job.status == JobStatus.DISAGREED:
        return WorkCheck(name, "failed", "the two workers' results differ; the arbiter decides")
    if job.status in (JobStatus.AGREED, JobStatus.COMPLETED) or all(
        r.status >= RunStatus.REVEALED for r in runs
    ):
        return WorkCheck(name, "passed", "both committed results are the same hash")
    return WorkCheck(name, "pending", "waiting for both workers to commit and reveal")


def _window(job: Job, now: int, challenged: bool, provider_wins: bool | None) -> WorkCheck:
    name = "Challenge window"
    if job.replicas == 2:
        return WorkCheck(name, "skipped", "two agreeing replicas are paid on delivery")
    if challenged:
        if provider_wins is None:
            return WorkCheck(
                name, "pending", f"challenged by the requester; the arbiter rules by {_when(job.rule_by)}"
            )
        if provider_wins:
            return WorkCheck(
                name, "passed", "challenged; the arbiter re-ran the job and found the result right"
            )
        return WorkCheck(name, "failed", "challenged; the arbiter re-ran the job and found the result wrong")
    if job.result_at == 0:
        return WorkCheck(name, "pending", "opens when the result is submitted")
    closes = job.result_at + job.window
    if now <= closes and job.status == JobStatus.SUBMITTED:
        return WorkCheck(name, "pending", f"open until {_when(closes)}; no challenge so far")
    return WorkCheck(name, "passed", "closed without a challenge")


def _pay(job: Job, mine: Run | None, record: RunRecord) -> WorkCheck:
    name = "Payment"
    if (mine is not None and mine.status == RunStatus.PAID) or record.stage == "paid":
        return WorkCheck(name, "passed", f"{sahara(record.payment or job.payment)} paid to this worker")
    if mine is not None and mine.status == RunStatus.SLASHED:
        return WorkCheck(
            name, "failed", f"slashed: the collateral ({sahara(job.collateral)}) went to the requester"
        )
    if (mine is not None and mine.status == RunStatus.RELEASED) or record.stage == "lost":
        return WorkCheck(name, "failed", record.error or "released without pay")
    return WorkCheck(name, "pending", f"{sahara(job.payment)} once the checks above pass")
