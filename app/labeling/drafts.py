"""Drafts: every change a labeler makes is written to SQLite at once, so kill -9 loses nothing.

One row per (chain, campaign, account, item), replaced on each change. SQLite in WAL mode with
``synchronous=NORMAL`` commits such a row in well under a millisecond, so the labeling view saves
synchronously on every keystroke rather than batching (a batch is what a crash would lose).
Drafts of a batch are deleted once that batch's submission is mined.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import LabelDraft, utcnow
from app.labeling.schema import Annotation


class DraftStore:
    """The drafts of one account in one campaign on one chain."""

    def __init__(
        self, sessions: sessionmaker[Session], chain_id: int, campaign_id: int, account: str
    ) -> None:
        self._sessions = sessions
        self._key = {"chain_id": chain_id, "campaign_id": campaign_id, "account": account.lower()}

    def save(self, annotation: Annotation) -> None:
        """Insert or replace the draft of ``annotation.item_id`` and commit."""
        row = {**self._key, "item_id": annotation.item_id, "annotation": annotation.model_dump_json()}
        statement = insert(LabelDraft).values(**row, updated_at=utcnow())
        statement = statement.on_conflict_do_update(
            index_elements=["chain_id", "campaign_id", "account", "item_id"],
            set_={"annotation": statement.excluded.annotation, "updated_at": statement.excluded.updated_at},
        )
        with self._sessions.begin() as session:
            session.execute(statement)

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
