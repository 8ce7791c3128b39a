"""The market catalogue read from a subgraph's GraphQL endpoint instead of from the chain.

For networks too large to index on a desktop, a graph node running ``subgraph/`` (this repository)
already holds every market event. ``SubgraphSource`` pages through its journal (``marketEvents``,
ordered by id = block number and log index, ``first`` at most ``PAGE``), rebuilds each event as
the exact log the contract emitted (``subgraph_journal``, from the shipped ABIs), and hands the logs
to the catalogue's own ``MarketSink``, so the tables, search and asset pages are the same whichever
source filled them.

Nothing from the endpoint is trusted: it is reached only at public addresses unless the user allowed
a network (the HTTP tool's guard, injected), answers are size-capped and time-limited, parsed with
``safe_json``, and every field is checked (addresses, integers in their ABI range, hashes, CIDs, ids
that match their block and log index, ids that only ever increase) before the sink checks the events
again as it does the chain's. A bad entity is skipped with why; a bad answer fails the round with why.

Like the chain indexer (through the same ``CursorStore``), the cursor and the block hashes of
applied events move in the sink's transaction (a kill -9 resumes with nothing lost or doubled), and a
hash that changed under a stored block (the graph node followed a reorganisation) rolls the catalogue
back to the newest block both agree on. The graph node only reports hashes of blocks with events, so
``confirmations`` keeps the unconfirmed tip out, as for the indexer.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker
from yarl import URL

from app import safe_json
from app.chain.contracts import Deployment
from app.chain.cursor_store import CursorStore
from app.chain.indexer import roll_back
from app.chain.raw_logs import RawLog
from app.events import Events
from app.market.catalog.decode import MARKET, REGISTRY, VAULT, Decoder
from app.market.catalog.metadata import BATCH, fetch_pending
from app.market.catalog.sink import MarketSink
from app.market.subgraph_journal import BadEntity, Journal, entity_id
from app.storage import BlobStore

log = logging.getLogger(__name__)

PAGE = 500  # entities per request (a graph node allows 1000)
MAX_PAGES = 40  # per sync round: a source that never stops paging still yields
MAX_BYTES = 8 * 1024 * 1024
TIMEOUT_S = 30.0
KEEP_HASHES = 32  # stored block hashes compared with the subgraph's on each round
ID = re.compile(r"0x[0-9a-fA-F]{24}")  # block number (8 bytes), log index (4 bytes)


class SubgraphError(RuntimeError):
    """The endpoint failed, was refused, or answered something unusable; the message says which."""


def stream_of(deployment: Deployment) -> str:
    """The cursor name of a deployment's catalogue when a subgraph fills it."""
    return f"subgraph:{deployment.address(REGISTRY).lower()}"


class UrlGuard(Protocol):
    """Where requests may go (``app.studio.netguard.NetPolicy``): raises to refuse a URL."""

    def check_url(self, url: URL) -> None: ...


class SubgraphSource:
    """Fills one deployment's catalogue from a subgraph; the same events and ``run`` as
    ``MarketIndexer``, so the composition root starts either."""

    def __init__(
        self,
        url: str,
        sessions: sessionmaker[Session],
        deployment: Deployment,
        store: BlobStore,
        *,
        guard: UrlGuard,
        connector: Callable[[], Any],
        confirmations: int = 0,
        interval_s: float = 5.0,
        page: int = PAGE,
        timeout_s: float = TIMEOUT_S,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.url, self.guard, self.connector = url, guard, connector
        self.sessions, self.store, self.chain_id = sessions, store, deployment.chain_id
        self.start_block = deployment.block
        self.confirmations, self.interval_s = confirmations, interval_s
        self.page, self.timeout_s, self.max_bytes = max(1, min(page, 1000)), timeout_s, max_bytes
        read = (REGISTRY, MARKET, VAULT)  # the vault's events are journaled only, where there is one
        self.addresses = {c: deployment.address(c).lower() for c in read if c in deployment.addresses}
        self.sink = MarketSink(self.chain_id, Decoder(self.addresses))
        self.stream = stream_of(deployment)
        self.cursors = CursorStore(sessions, self.chain_id, self.stream, self.start_block)
        self.journal = Journal(self.addresses)
        self.skipped = 0
        self.events = Events("assets_changed", "offers_changed", "licenses_changed", "synced")

    # -- talking to the endpoint -----------------------------------------------------------------

    async def _ask(self, http: Any, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """POST one GraphQL request; its ``data`` object, or ``SubgraphError`` saying why not."""
        import aiohttp

        try:
            # No redirects: one could lead to an address literal, which skips the guard's resolver.
            request = {"query": query, "variables": variables}
            async with http.post(self.url, json=request, allow_redirects=False) as reply:
                if reply.status != 200:
                    raise SubgraphError(
                        f"the subgraph answered HTTP {reply.status} (redirects are not followed)"
                    )
                body = bytearray()
                async for piece in reply.content.iter_chunked(65536):
                    body += piece
                    if len(body) > self.max_bytes:
                        raise SubgraphError(f"the subgraph's answer is over {self.max_bytes // 1024} KiB")
        except SubgraphError:
            raise
        except TimeoutError as exc:
            raise SubgraphError(f"the subgraph did not answer within {self.timeout_s:g} s") from exc
        except aiohttp.ClientError as exc:
            raise SubgraphError(f"the subgraph could not be reached: {exc}") from exc
        except Exception as exc:  # the guard refusing a resolved address raises its own type
            raise SubgraphError(f"the subgraph is refused: {exc}") from exc
        try:
            answer = safe_json.loads(bytes(body))
        except (ValueError, UnicodeDecodeError) as exc:
            raise SubgraphError(f"the subgraph's answer is not JSON ({str(exc)[:120]})") from exc
        if not isinstance(answer, dict):
            raise SubgraphError("the subgraph's answer is not a JSON object")
        if answer.get("errors"):
            errors = answer["errors"]
            first = errors[0] if isinstance(errors, list) and errors else errors
            message = first.get("message") if isinstance(first, dict) else first
            raise SubgraphError(f"the subgraph refused the query: {str(message)[:200]}")
        data = answer.get("data")
        if not isinstance(data, dict):
            raise SubgraphError("the subgraph's answer has no data")
        return data

    async def _head(self, http: Any) -> int:
        data = await self._ask(http, "{ _meta { block { number } hasIndexingErrors } }", {})
        meta = data.get("_meta")
        block = meta.get("block") if isinstance(meta, dict) else None
        number = block.get("number") if isinstance(block, dict) else None
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number < 2**63:
            raise SubgraphError("the subgraph did not say which block it has indexed")
        if meta.get("hasIndexingErrors") is True:  # type: ignore[union-attr]
            log.warning("%s: the subgraph reports indexing errors", self.url)
        return number

    async def _journal(self, http: Any, after: str, upto: int) -> list[Any]:
        variables = {"first": self.page, "after": after, "upto": str(upto),
                     "contracts": sorted(self.addresses.values())}  # fmt: skip
        found = (await self._ask(http, self.journal.query, variables)).get("marketEvents")
        if not isinstance(found, list) or len(found) > self.page:
            raise SubgraphError(f"the subgraph's marketEvents is not a list of at most {self.page}")
        return found

    # -- checking one entity -----------------------------------------------------------------------

    # -- the cursor, block hashes, reorganisations ---------------------------------------------

    def cursor(self) -> int:
        """The first block not read yet (the deployment block at first)."""
        return self.cursors.next_block()

    def _save(self, session: Session, next_block: int, hashes: dict[int, str]) -> None:
        self.cursors.save(session, next_block, hashes)
        stored = self.cursors.hashes(session, KEEP_HASHES)
        if len(stored) == KEEP_HASHES:  # only the newest are ever compared
            self.cursors.forget_below(session, stored[-1][0])

    async def _check_reorg(self, http: Any) -> set[str]:
        """Compare the stored hashes of blocks with events with the subgraph's; roll back on a change."""
        with self.sessions() as session:
            stored = self.cursors.hashes(session, KEEP_HASHES)
        if not stored:
            return set()
        contracts = sorted(self.addresses.values())
        where = '{{blockNumber: "{}", contract_in: $c}}'
        parts = [f"b{n}: marketEvents(first: 1, where: {where.format(n)}) {{ blockHash }}" for n, _ in stored]
        data = await self._ask(http, f"query Hashes($c: [Bytes!]!) {{ {' '.join(parts)} }}", {"c": contracts})
        agreed = self.start_block - 1
        for number, block_hash in stored:
            found = data.get(f"b{number}")
            seen = (
                found[0].get("blockHash")
                if isinstance(found, list) and found and isinstance(found[0], dict)
                else None
            )
            if isinstance(seen, str) and seen.lower() == block_hash:
                agreed = number
                break
        if agreed == stored[0][0]:
            return set()
        with self.sessions() as session:
            changed = roll_back(session, self.sink, self.chain_id, self.stream, agreed)
            self._save(session, agreed + 1, {})
            session.commit()
        log.warning(
            "%s: the subgraph's chain changed above block %d; later events read again", self.url, agreed
        )
        return changed | {"reorg"}

    # -- syncing ---------------------------------------------------------------------------------

    def _apply(self, logs: Sequence[RawLog], next_block: int) -> set[str]:
        with self.sessions() as session:
            changed = self.sink.apply(session, logs)
            self._save(session, next_block, {entry.block: entry.block_hash for entry in logs})
            session.commit()
        return changed

    async def step(self, http: Any) -> tuple[set[str], bool]:
        """Check for a reorganisation, then read up to ``MAX_PAGES`` pages; (what changed, caught up)."""
        changed = await self._check_reorg(http)
        safe = await self._head(http) - self.confirmations
        low = self.cursor()
        if low > safe:
            return changed, True
        after = entity_id(low - 1, 2**32 - 1) if low > 0 else entity_id(0, 0)
        for _ in range(MAX_PAGES):
            found = await self._journal(http, after, safe)
            logs: list[RawLog] = []
            for entity in found:  # ids only ever increase: a repeating source cannot loop
                ident = entity.get("id") if isinstance(entity, dict) else None
                if not isinstance(ident, str) or not ID.fullmatch(ident) or ident.lower() <= after:
                    raise SubgraphError(
                        f"the subgraph sent an event out of order ({str(ident)[:40]} after {after})"
                    )
                if not low <= int(ident[2:18], 16) <= safe:  # the cursor follows ids, even skipped ones
                    raise SubgraphError(f"the subgraph sent an event id outside blocks {low}..{safe}")
                after = ident.lower()
                try:
                    entry = self.journal.to_log(entity)
                except BadEntity as exc:
                    self.skipped += 1
                    log.warning("%s: an event skipped: %s", self.url, exc)
                    continue
                logs.append(entry)  # its block is its id's (checked by to_log)
            full = len(found) == self.page
            # A full page may end inside a block: it is read again from its start next round (the
            # sink's journal applies a log once), so the cursor stays on that block.
            changed |= self._apply(logs, int(after[2:18], 16) if full else safe + 1)
            if not full:
                return changed, True
            await asyncio.sleep(0)
        return changed, False

    async def sync(self) -> bool:
        """One round: up to ``MAX_PAGES`` pages of the subgraph's journal (to its head minus the
        confirmations), then the metadata that is due. True when it caught up."""
        import aiohttp

        try:
            self.guard.check_url(URL(self.url))
        except Exception as exc:  # the guard's own error type; its message says why
            raise SubgraphError(f"the subgraph URL is refused: {exc}") from exc
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        async with aiohttp.ClientSession(connector=self.connector(), timeout=timeout) as http:
            changed, done = await self.step(http)
        self._tell(changed)
        while fetched := await fetch_pending(self.sessions, self.store, self.chain_id):
            self.events.emit("assets_changed")
            if fetched < BATCH:
                break
        if done:
            self.events.emit("synced", self.cursor())
        return done

    def _tell(self, changed: set[str]) -> None:
        names = {"assets": "assets_changed", "offers": "offers_changed", "licenses": "licenses_changed"}
        for what in sorted(set(names) if "reorg" in changed else changed & set(names)):
            self.events.emit(names[what])

    async def run(self) -> None:
        """Sync every ``interval_s`` until cancelled (the composition root supervises it)."""
        while True:
            caught_up = await self.sync()
            await asyncio.sleep(self.interval_s if caught_up else 0)
