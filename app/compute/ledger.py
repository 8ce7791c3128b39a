"""The worker's own record of the jobs it took (``compute_run``): what survives a kill -9.

Every step writes its row *before* the step's transaction, so a restarted worker knows what it
was doing; the outbox's intents make re-sending a step return the first transaction instead of a
second one, and the chain says whether the step landed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import ComputeRun

STAGES = ("accepting", "accepted", "sealed", "committed", "revealed", "submitted", "paid", "lost", "failed")
FINISHED = frozenset({"paid", "lost", "failed"})


@dataclass(frozen=True)
class RunRecord:
    job_id: int
    stage: str
    salt: str | None
    result_hash: str | None
    envelope_cid: str | None
    payment: int
    error: str | None


class Ledger:
    """``compute_run`` rows of one provider on one market."""

    def __init__(self, sessions: sessionmaker[Session], chain_id: int, market: str, provider: str) -> None:
        self.sessions = sessions
        self.key = {"chain_id": chain_id, "market": market, "provider": provider}

    def _record(self, row: ComputeRun) -> RunRecord:
        return RunRecord(
            row.job_id, row.stage, row.salt, row.result_hash, row.envelope_cid, int(row.payment), row.error
        )

    def get(self, job_id: int) -> RunRecord | None:
        with self.sessions() as session:
            row = session.get(ComputeRun, {**self.key, "job_id": job_id})
            return None if row is None else self._record(row)

    def all(self) -> list[RunRecord]:
        with self.sessions() as session:
            query = select(ComputeRun).filter_by(**self.key).order_by(ComputeRun.job_id)
            return [self._record(row) for row in session.scalars(query)]

    def unfinished(self) -> list[RunRecord]:
        return [r for r in self.all() if r.stage not in FINISHED]

    def save(self, job_id: int, stage: str, **fields: object) -> RunRecord:
        """Create or update the row; ``fields`` are columns (``payment`` in wei)."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}")
        if "payment" in fields:
            fields["payment"] = str(fields["payment"])
        with self.sessions.begin() as session:
            row = session.get(ComputeRun, {**self.key, "job_id": job_id})
            if row is None:
                row = ComputeRun(**self.key, job_id=job_id, stage=stage, payment="0")
                session.add(row)
            row.stage = stage
            for name, value in fields.items():
                setattr(row, name, value)
            session.flush()
            return self._record(row)

    def forget(self, job_id: int) -> None:
        """Drop a row whose accept never landed (someone else took the job)."""
        with self.sessions.begin() as session:
            row = session.get(ComputeRun, {**self.key, "job_id": job_id})
            if row is not None and row.stage == "accepting":
                session.delete(row)
