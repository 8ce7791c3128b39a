"""Market events read back from the catalogue's journal, in the shape the chain would give them.

The indexer (or the subgraph source) keeps every market event it accepted in ``market_log``, up to
its cursor, and rolls that back on a reorganisation. So "My licenses", Earnings and a buyer's
download read their events here instead of asking the node for every block since the deployment
(slow on a long chain, and refused by public endpoints in wide ranges); only the blocks the
catalogue has not reached yet are read from the chain (``MarketContext.logs``).

The journal keeps arguments as JSON (``decode``: bytes as hex, integers past SQLite's as decimal
text); ``events`` turns them back into what web3's ``process_log`` gives (bytes, ints, checksummed
addresses) from the ABI's types, so callers cannot tell the sources apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app import safe_json
from app.chain.contracts import load_artifact
from app.chain.layout import checksum
from app.db.models import ChainCursor
from app.market.catalog.decode import EVENTS, MAX_ID

QUERY = (
    "SELECT block, tx_hash, log_index, args FROM market_log WHERE chain_id = ? AND name = ? "
    "AND block BETWEEN ? AND ?"
)


@cache
def _inputs(contract: str, name: str) -> tuple[tuple[str, str, bool], ...]:
    """(name, ABI type, indexed) of each parameter of ``contract``'s event ``name``."""
    entry = next(e for e in load_artifact(contract).abi if e.get("type") == "event" and e["name"] == name)
    return tuple((i["name"], i["type"], bool(i["indexed"])) for i in entry["inputs"])


def _restored(kind: str, value: Any) -> Any:
    """A journaled value as web3 decodes ``kind``."""
    if kind.endswith("[]"):
        return [_restored(kind[:-2], v) for v in value]
    if kind.startswith("uint"):
        return int(value)
    if kind.startswith("bytes"):
        return bytes.fromhex(value)
    return value


def _topic_value(kind: str, topic: str) -> Any:
    """An indexed argument's topic as the journal stores its value."""
    word = bytes.fromhex(topic.removeprefix("0x"))
    if kind == "address":
        return checksum(word[12:])
    number = int.from_bytes(word, "big")
    return str(number) if number > MAX_ID else number


@dataclass(frozen=True)
class Journal:
    """One deployment's journal as one catalogue source keeps it (its cursor is ``stream``)."""

    sessions: sessionmaker[Session]
    chain_id: int
    stream: str
    start_block: int

    @staticmethod
    def keeps(contract: str, name: str) -> bool:
        """Whether the catalogue journals ``contract``'s event ``name``."""
        return name in EVENTS.get(contract, ())

    def reach(self) -> int:
        """The first block the catalogue has not read (the deployment's block if it read none)."""
        with self.sessions() as session:
            row = session.get(ChainCursor, (self.chain_id, self.stream))
            return self.start_block if row is None else max(int(row.next_block), self.start_block)

    def events(
        self, contract: str, name: str, topics: Sequence[str | None], low: int, high: int
    ) -> list[dict[str, Any]]:
        """The journaled ``name`` events of ``contract`` in blocks ``low``..``high``, oldest first,
        filtered by indexed arguments as ``eth_getLogs`` topics are (None: any)."""
        inputs = _inputs(contract, name)
        indexed = [(n, kind) for n, kind, is_indexed in inputs if is_indexed]
        sql, params = QUERY, [self.chain_id, f"{contract}.{name}", low, high]
        for (field, kind), topic in zip(indexed, topics, strict=False):
            if topic is not None:
                sql += f" AND json_extract(args, '$.{field}') = ?"
                params.append(_topic_value(kind, topic))
        with self.sessions() as session:
            cur = session.connection().connection.cursor()
            rows = cur.execute(sql + " ORDER BY block, log_index", params).fetchall()
        found = []
        for block, tx_hash, log_index, raw in rows:
            args = safe_json.loads(raw)
            found.append({
                "event": name, "blockNumber": int(block), "logIndex": int(log_index),
                "transactionHash": bytes.fromhex(tx_hash.removeprefix("0x")),
                "args": {n: _restored(kind, args[n]) for n, kind, _ in inputs},
            })  # fmt: skip
        return found
