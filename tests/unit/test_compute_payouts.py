"""Earnings per job and per day from the worker's record (real SQLite), and every verification check
of a job described from what the chain says."""

from __future__ import annotations

import types
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from app.compute.jobs import Job, JobStatus, Run, RunStatus, spec_hash
from app.compute.ledger import Ledger, RunRecord
from app.compute.payouts import JobEarning, earned_on, history, per_day
from app.compute.sealed_runs import SEALED_FAILURE
from app.compute.work_checks import describe
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade

ME = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
REQUESTER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
TOKEN = 10**18
HASH = "0x" + "ab" * 32


def test_history_and_earnings_per_day_from_the_ledger(tmp_path: Path) -> None:
    upgrade(tmp_path / "sahara.db")
    ledger = Ledger(session_factory(make_engine(tmp_path / "sahara.db")), 31337, "0x" + "11" * 20, ME)
    ledger.save(1, "accepting", payment=TOKEN // 2)
    ledger.save(1, "paid")
    ledger.save(2, "accepting", payment=TOKEN)
    ledger.save(2, "failed", error="over the memory limit")
    ledger.save(3, "accepting", payment=2 * TOKEN)
    ledger.save(3, "paid")
    ledger.save(4, "accepting", payment=TOKEN)
    provider = types.SimpleNamespace(ledger=ledger)
    jobs = history(provider)  # type: ignore[arg-type]
    assert [j.job_id for j in jobs] == [4, 3, 2, 1]
    assert [j.paid for j in jobs] == [False, True, False, True]
    assert jobs[2].error == "over the memory limit"
    today = jobs[0].at.date()
    assert earned_on(jobs, today) == TOKEN // 2 + 2 * TOKEN, "only paid jobs count"
    days = per_day(jobs, today, days=7)
    assert len(days) == 7 and days[-1] == (today, TOKEN // 2 + 2 * TOKEN) and days[0][1] == 0


def test_days_are_local_and_old_jobs_fall_out_of_the_chart() -> None:
    today = date(2026, 12, 7)
    at = datetime(2026, 12, 7, 9)
    jobs = [
        JobEarning(1, "paid", 5, None, at),
        JobEarning(2, "paid", 7, None, at - timedelta(days=1)),
        JobEarning(3, "paid", 11, None, at - timedelta(days=30)),
    ]
    assert per_day(jobs, today, days=3) == [(date(2026, 12, 5), 0), (date(2026, 12, 6), 7), (today, 5)]


def job(**changes: object) -> Job:
    base = Job(
        job_id=7, requester=REQUESTER, payment=TOKEN, collateral=TOKEN, expires_at=1_000, deadline=5_000,
        window=600, min_vram_mib=0, kinds=1, replicas=1, task=0, status=JobStatus.SUBMITTED, result_at=2_000,
        rule_by=0, result_hash=bytes.fromhex(HASH[2:]), spec_hash=spec_hash(0, "m", "i", b"k"),
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def record(stage: str, **changes: object) -> RunRecord:
    base = RunRecord(7, stage, None, HASH, "bafkrei", TOKEN, None)
    return replace(base, **changes)  # type: ignore[arg-type]


def results(checks: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {c.name: c.result for c in checks}


def test_a_submitted_job_in_its_window_then_paid() -> None:
    mine = Run(ME, RunStatus.ACCEPTED, b"", b"")
    open_window = results(describe(job(), [mine], mine, record("submitted"), 2_100, False, None))
    assert open_window == {
        "Job spec matches its hash on chain": "passed",
        "Model and inputs are safe to run": "passed",
        "Sandboxed run": "passed",
        "Result hash on chain": "passed",
        "Second worker's result agrees": "skipped",
        "Challenge window": "pending",
        "Payment": "pending",
    }
    paid = Run(ME, RunStatus.PAID, b"", b"")
    done = describe(job(status=JobStatus.COMPLETED), [paid], paid, record("paid"), 3_000, False, None)
    assert results(done)["Challenge window"] == "passed" and results(done)["Payment"] == "passed"
    assert done[-1].detail == "1 SAHARA paid to this worker"


def test_a_cheating_result_challenged_and_slashed_is_shown_failed() -> None:
    slashed = Run(ME, RunStatus.SLASHED, b"", b"")
    other_hash = record("submitted", result_hash="0x" + "cd" * 32)
    checks = results(
        describe(job(status=JobStatus.SLASHED), [slashed], slashed, other_hash, 3_000, True, False)
    )
    assert checks["Result hash on chain"] == "failed"
    assert checks["Challenge window"] == "failed" and checks["Payment"] == "failed"
    waiting = results(describe(job(status=JobStatus.CHALLENGED, rule_by=9_000), [], None, record("submitted"),
                               3_000, True, None))  # fmt: skip
    assert waiting["Challenge window"] == "pending"


def test_two_replicas_agree_or_disagree_and_a_failed_run_says_why() -> None:
    runs = [Run(ME, RunStatus.REVEALED, b"", b""), Run(OTHER, RunStatus.REVEALED, b"", b"")]
    agreed = results(describe(job(replicas=2, status=JobStatus.AGREED), runs, runs[0], record("revealed"), 0,
                              False, None))  # fmt: skip
    assert agreed["Second worker's result agrees"] == "passed" and agreed["Challenge window"] == "skipped"
    split = describe(
        job(replicas=2, status=JobStatus.DISAGREED), runs, runs[0], record("revealed"), 0, False, None
    )
    assert results(split)["Second worker's result agrees"] == "failed"
    broken = record("failed", error="over the memory limit", result_hash=None)
    failed = describe(job(result_hash=b"\0" * 32, status=JobStatus.RUNNING), [], None, broken, 0, False, None)
    assert results(failed)["Sandboxed run"] == "failed" and failed[2].detail == "over the memory limit"
    assert results(failed)["Result hash on chain"] == "pending"
    bad_spec = describe(job(problem="its JobPosted event does not match the spec hash on chain"), [], None,
                        record("accepting"), 0, False, None)  # fmt: skip
    assert results(bad_spec)["Job spec matches its hash on chain"] == "failed"


def test_a_sealed_job_shows_whether_its_inputs_were_opened() -> None:
    sealed = "Sealed inputs opened and match their promised hash"
    running = job(sealed=True, result_hash=b"\0" * 32, status=JobStatus.RUNNING)
    assert sealed not in results(describe(job(), [], None, record("accepted"), 0, False, None))
    waiting = results(describe(running, [], None, record("accepted"), 0, False, None))
    assert waiting[sealed] == "pending"
    promised = "the decrypted inputs are not the ones the job's manifest promised"
    broken = record("failed", error=SEALED_FAILURE + promised)
    assert results(describe(running, [], None, broken, 0, False, None))[sealed] == "failed"
    mine = Run(ME, RunStatus.ACCEPTED, b"", b"")
    assert (
        results(describe(job(sealed=True), [mine], mine, record("submitted"), 2_100, False, None))[sealed]
        == "passed"
    )
