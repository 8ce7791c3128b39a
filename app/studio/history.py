"""Run history in the app database: one ``studio_run`` row per run, one trace row per node.

A run is written once, when it ends, in one transaction: a run never shows half its traces.
Values are stored as JSON; very large ones are cut to a preview so the database stays small.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import StudioNodeTrace, StudioRun
from app.studio.events import RunResult

MAX_JSON = 64_000


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= MAX_JSON:
        return text
    return json.dumps({"truncated": True, "preview": text[:MAX_JSON]}, ensure_ascii=False)


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    graph_name: str
    status: str
    error: str | None
    started_at: datetime
    duration_s: float


class RunHistory:
    """Writes finished runs and reads them back for the run-history panel."""

    def __init__(self, sessions: sessionmaker[Session], keep: int = 500) -> None:
        self._sessions = sessions
        self.keep = keep  # older runs are dropped as new ones arrive

    def save(self, result: RunResult) -> None:
        """Store ``result`` with its node traces (blocking: the executor calls it in a thread)."""
        with self._sessions.begin() as session:
            session.add(
                StudioRun(
                    id=result.run_id,
                    graph_name=result.graph_name[:200],
                    graph_hash=result.graph_hash,
                    status=result.status,
                    inputs=_json(result.inputs),
                    outputs=_json(result.outputs),
                    error=result.error,
                    started_at=result.started_at,
                    finished_at=result.finished_at,
                )
            )
            session.flush()
            session.add_all(
                StudioNodeTrace(
                    run_id=result.run_id,
                    seq=seq,
                    node_id=t.node_id,
                    node_type=t.node_type,
                    status=t.status,
                    inputs=_json(t.inputs),
                    outputs=_json(t.outputs),
                    started_at=t.started_at,
                    duration_us=round(t.duration_s * 1e6),
                    tokens=t.tokens,
                    error=t.error,
                )
                for seq, t in enumerate(result.traces)
            )
            old = select(StudioRun.id).order_by(StudioRun.started_at.desc()).offset(self.keep)
            stale = list(session.scalars(old))
            if stale:
                session.execute(delete(StudioNodeTrace).where(StudioNodeTrace.run_id.in_(stale)))
                session.execute(delete(StudioRun).where(StudioRun.id.in_(stale)))

    def recent(self, limit: int = 50, graph_hash: str | None = None) -> list[RunSummary]:
        """The latest runs, newest first; only those of one graph when ``graph_hash`` is given."""
        query = select(StudioRun).order_by(StudioRun.started_at.desc()).limit(limit)
        if graph_hash is not None:
            query = query.where(StudioRun.graph_hash == graph_hash)
        with self._sessions() as session:
            return [
                RunSummary(
                    r.id,
                    r.graph_name,
                    r.status,
                    r.error,
                    r.started_at,
                    (r.finished_at - r.started_at).total_seconds(),
                )
                for r in session.scalars(query)
            ]

    def traces(self, run_id: str) -> list[StudioNodeTrace]:
        """The node traces of one run, in the order the nodes finished."""
        query = select(StudioNodeTrace).where(StudioNodeTrace.run_id == run_id).order_by(StudioNodeTrace.seq)
        with self._sessions() as session:
            return list(session.scalars(query))
