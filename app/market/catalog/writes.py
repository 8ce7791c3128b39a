"""A batch's statements on one cursor: new rows held per table and sent in one ``executemany``.

A backfill range is mostly inserts (assets registered, offers created, licenses bought, lineage
edges), one ``execute`` each was most of the sink's SQLite time. The market's tables have no
foreign keys between them, so inserts into different tables commute; everything else (an update,
whose outcome can depend on a row inserted earlier in the batch, and whose ``rowcount`` the sink
reads) first sends every held row, so what the database sees is what one statement per event gave.

The sink never reads back a row it holds here: its ``_Memo`` records each insert as it is held, and
only looks up in SQLite the ids it has not seen in the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Writes:
    """Inserts held per statement until ``flush`` (or any other statement), in first-seen order."""

    def __init__(self, cur: Any) -> None:
        self.cur = cur
        self.held: dict[str, list[Sequence[Any]]] = {}

    def insert(self, sql: str, row: Sequence[Any]) -> None:
        """Hold one row of an ``INSERT`` statement."""
        self.held.setdefault(sql, []).append(row)

    def execute(self, sql: str, params: Sequence[Any]) -> Any:
        """Run any other statement after the held rows; the cursor (its ``rowcount``)."""
        self.flush()
        return self.cur.execute(sql, params)

    def flush(self) -> None:
        """Send the held rows, one ``executemany`` per statement."""
        held, self.held = self.held, {}
        for sql, rows in held.items():
            self.cur.executemany(sql, rows)
