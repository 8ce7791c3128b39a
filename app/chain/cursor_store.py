"""Where a stream of chain events keeps its place: its cursor and the hashes of blocks it read.

Both readers of chain events, the chain indexer (``app.chain.indexer``) and the market's subgraph
source (``app.market.subgraph_source``), follow a *stream* and move its cursor (the first block not
read yet) and the hashes of the blocks they read in the transaction that writes the rows they read,
so a kill -9 loses or doubles nothing. Stored hashes are what each compares with its source to see a
reorganisation. They keep different amounts of hashes (the indexer every block within a distance,
the subgraph source a number of the newest), so pruning is a separate call.
"""

from __future__ import annotations

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import ChainBlock, ChainCursor


class CursorStore:
    """One stream's cursor and block hashes; writes join the caller's transaction (no commit)."""

    def __init__(self, sessions: sessionmaker[Session], chain_id: int, stream: str, start_block: int) -> None:
        self.sessions = sessions
        self.chain_id, self.stream, self.start_block = chain_id, stream, start_block

    def next_block(self) -> int:
        """The first block not read yet (the start block for a stream never seen)."""
        with self.sessions() as session:
            row = session.get(ChainCursor, (self.chain_id, self.stream))
            return self.start_block if row is None else max(row.next_block, self.start_block)

    def save(self, session: Session, next_block: int, hashes: dict[int, str]) -> None:
        """Move the cursor to ``next_block`` and store ``hashes`` (block number: hash)."""
        row = session.get(ChainCursor, (self.chain_id, self.stream))
        if row is None:
            session.add(ChainCursor(chain_id=self.chain_id, stream=self.stream, next_block=next_block))
        else:
            row.next_block = next_block
        if hashes:  # one statement for all the blocks (per-row ORM merges cost more than the logs)
            session.execute(
                text(
                    "INSERT OR REPLACE INTO chain_block (chain_id, stream, number, hash) "
                    "VALUES (:chain_id, :stream, :number, :hash)"
                ),
                [
                    {"chain_id": self.chain_id, "stream": self.stream, "number": n, "hash": h}
                    for n, h in hashes.items()
                ],
            )

    def forget_below(self, session: Session, number: int) -> None:
        """Drop the stored hashes of blocks below ``number`` (too old to be compared again)."""
        session.execute(
            delete(ChainBlock).where(
                ChainBlock.chain_id == self.chain_id,
                ChainBlock.stream == self.stream,
                ChainBlock.number < number,
            )
        )

    def hashes(self, session: Session, limit: int | None = None) -> list[tuple[int, str]]:
        """The stored (block number, hash) pairs, newest first; at most ``limit`` of them."""
        query = (
            select(ChainBlock.number, ChainBlock.hash)
            .where(ChainBlock.chain_id == self.chain_id, ChainBlock.stream == self.stream)
            .order_by(ChainBlock.number.desc())
        )
        rows = session.execute(query if limit is None else query.limit(limit)).all()
        return [(int(n), str(h)) for n, h in rows]
