"""Which source fills the market catalogue: this app's indexer, or the network's subgraph.

The composition root (``NetworkServices.market_indexer``) and ``sahara market search`` (which reads
the chain without web3) build the same thing from Settings → Network; one function keeps them
choosing alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from app.chain.client import ChainClient
    from app.chain.contracts import Deployment
    from app.chain.indexer import Rpc
    from app.market.catalog.service import MarketIndexer
    from app.market.subgraph_source import SubgraphSource
    from app.settings import NetworkConfig
    from app.storage.store import BlobStore


def catalogue_source(
    net: NetworkConfig,
    sessions: sessionmaker[Session],
    deployment: Deployment,
    store: BlobStore,
    confirmations: int,
    *,
    client: ChainClient | None = None,
    rpc: Rpc | None = None,
    interval_s: float = 2.0,
) -> MarketIndexer | SubgraphSource:
    """The subgraph's source when ``net`` names one (reached through the HTTP tool's guard, only
    the networks the user allowed it), else a ``MarketIndexer`` reading logs through ``client``
    or ``rpc``, every ``interval_s`` when it runs on its own."""
    if net.subgraph_url:
        from app.market.subgraph_source import SubgraphSource
        from app.studio.netguard import NetPolicy, connector_for

        policy = NetPolicy.build([], net.subgraph_networks)
        return SubgraphSource(
            net.subgraph_url, sessions, deployment, store, guard=policy,
            connector=lambda: connector_for(policy), confirmations=confirmations,
        )  # fmt: skip
    from app.market.catalog.service import MarketIndexer

    return MarketIndexer(
        client, sessions, deployment, store, confirmations=confirmations, interval_s=interval_s, rpc=rpc
    )
