"""Drafts: every change a labeler makes is written to SQLite at once, so kill -9 loses nothing.

One row per (chain, campaign, account, item), replaced on each change. SQLite in WAL mode with
``synchronous=NORMAL`` commits such a row in well under a millisecond, so the labeling view saves
synchronously on every keystroke rather than batching (a batch is what a crash would lose).
The save runs on the GUI thread between a key and the next item, so it is one prepared statement
on a plain connection: through an ORM session it took 1.4 ms (p95 10 ms under load, its garbage
feeding the collector) against 0.2 ms (p95 2.6 ms).
Drafts of a batch are deleted once that batch's submission is mined.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import LabelDraft, utcnow
from app.labeling.schema import Annotation

_insert = insert(LabelDraft)
# Insert or replace one draft: built once, executed with each draft's values.
UPSERT = _insert.on_conflict_do_update(
    index_elements=["chain_id", "campaign_id", "account", "item_id"],
    set_={"annotation": _insert.excluded.annotation, "updated_at": _insert.excluded.updated_at},
)


class DraftStore:
    """The drafts of one account in one campaign on one chain."""

    def __init__(
        self, sessions: sessionmaker[Session], chain_id: int, campaign_id: int, account: str
    ) -> None:
        self._sessions = sessions
        with sessions() as session:
            self._engine: Engine = session.get_bind()  # type: ignore[assignment]  (an engine, not a connection)
        self._key = {"chain_id": chain_id, "campaign_id": campaign_id, "account": account.lower()}

    def save(self, annotation: Annotation) -> None:
        """Insert or replace the draft of ``annotation.item_id`` and commit."""
        row = {**self._key, "item_id": annotation.item_id, "annotation": annotation.model_dump_json()}
        with self._engine.begin() as connection:
            connection.execute(UPSERT, {**row, "updated_at": utcnow()})

    def load(self, item_id: str) -> Annotation | None:
        with self._sessions() as session:
            raw = session.scalar(select(LabelDraft.annotation).filter_by(**self._key, item_id=item_id))
        return Annotation.model_validate_json(raw) if raw is not None else None

    def load_all(self) -> dict[str, Annotation]:
        """Every draft of this campaign and account, by item id."""
        with self._sessions() as session:
            rows = session.execute(
                select(LabelDraft.item_id, LabelDraft.annotation).filter_by(**self._key)
            ).all()
        return {item_id: Annotation.model_validate_json(raw) for item_id, raw in rows}

    def delete(self, item_ids: Iterable[str]) -> None:
        """Forget the drafts of ``item_ids`` (after their batch was submitted)."""
        ids = list(item_ids)
        if not ids:
            return
        with self._sessions.begin() as session:
            session.execute(delete(LabelDraft).filter_by(**self._key).where(LabelDraft.item_id.in_(ids)))
