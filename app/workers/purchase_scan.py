"""The purchases of the served accounts' assets in one block range of a market's logs.

Key delivery scans ``LicensePurchased`` logs in bounded chunks; this module turns one chunk into
ledger ``Sighting``s. A log that does not decode, or whose fields are not a purchase, is logged and
skipped (one bad log must not stop deliveries for everyone else); a purchase whose key is unusable
is kept, with its ``problem``, so the ledger records it as refused rather than seeing it again.
"""

from __future__ import annotations

import logging

from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.market import licenses
from app.market.purchases import InvalidPurchase, parse_purchase
from app.workers.delivery_ledger import Sighting

log = logging.getLogger(__name__)


async def sightings(
    client: ChainClient,
    deployment: Deployment,
    market: str,
    start: int,
    end: int,
    ours: set[str],
    owners: dict[int, str | None],
) -> list[Sighting]:
    """The purchases in blocks ``start``..``end`` of assets owned by an address in ``ours``.

    ``owners`` caches each asset's owner across the chunks of one scan (filled here).
    """
    from eth_abi.exceptions import DecodingError
    from web3.exceptions import Web3Exception

    event = licenses.bind_market(client, deployment).events.LicensePurchased()
    found: list[Sighting] = []
    for raw in await licenses.fetch_logs(client, market, [event.topic], start, end):
        try:
            decoded = event.process_log(raw)
            purchase = parse_purchase({**decoded, "removed": raw.get("removed", False)}, market)
        except (InvalidPurchase, DecodingError, Web3Exception, ValueError, TypeError, KeyError) as exc:
            block = raw.get("blockNumber")
            log.warning("key delivery: ignoring a malformed purchase log in block %s: %s", block, exc)
            continue
        if purchase.asset_id not in owners:
            owners[purchase.asset_id] = await licenses.asset_owner(client, deployment, purchase.asset_id)
        seller = owners[purchase.asset_id]
        if seller not in ours:
            continue
        if purchase.problem:
            log.warning(
                "key delivery: refusing license %d of asset %d: %s",
                purchase.license_id, purchase.asset_id, purchase.problem,
            )  # fmt: skip
        else:
            log.info("key delivery: license %d of asset %d bought", purchase.license_id, purchase.asset_id)
        found.append(Sighting(purchase, seller))
    return found
