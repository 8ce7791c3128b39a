"""``sahara label campaigns``: the campaign list, answered without web3 or the database.

Scripts run it often and it needs no key, so it reads only what the list needs: the settings, the
saved deployment, the blob store (manifests), and the chain through plain JSON-RPC
(``app/chain/jsonrpc.py``) with the TaskBoard's ABI (``app/labeling/board_abi.py``). No web3
(eth_account builds py_ecc's tables at import: 2.5 s under load), no eth_abi (``abi_words`` instead),
no SQLAlchemy or migrations, and no pydantic where an earlier run validated the same settings
file and manifests (``app/cli/checked_cache.py`` keeps what it found).
The list is as fresh as the chain: campaigns are read from the logs up to the node's head block
and their terms from the board's views at the latest block, not from the app's index.

When that path cannot answer (no devnet running yet, contracts missing or from older sources, a
node that refuses wide log ranges), ``fast_campaigns`` returns None and the command opens the
app's runtime like every other label command (start the devnet, deploy, the indexed board).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING, Any

from app.words import format_sahara, plural

if TYPE_CHECKING:
    from app.chain.contracts import Deployment
    from app.cli.checked_cache import NetworkChoice
    from app.labeling.campaign_list import CampaignInfo
    from app.labeling.manifests import Manifests

log = logging.getLogger(__name__)

CHECKED_RECORD = "checked.json"  # in the cache folder: what earlier runs validated (``checked_cache``)
CAMPAIGN_COLUMNS = (
    "id",
    "title",
    "task",
    "items",
    "reward",
    "redundancy",
    "batches",
    "status",
    "requester",
    "record",
)


def print_campaigns(campaigns: list[CampaignInfo]) -> None:
    """A header, then one tab-separated row per campaign with a readable manifest, newest first."""
    if not campaigns:
        print("no campaigns on this network yet: `sahara label create` makes one,", file=sys.stderr)
        print("`sahara demo labeling` adds a sample on the local devnet", file=sys.stderr)
        return
    print("\t".join(CAMPAIGN_COLUMNS))
    for c in campaigns:
        rate = "-" if c.requester_accept_rate is None else f"{c.requester_accept_rate:.0%}"
        print(
            "\t".join(
                [
                    str(c.campaign_id), c.title, c.task_type.value, str(c.item_count),
                    f"{format_sahara(c.reward_per_item, max_decimals=6)}/item", f"x{c.redundancy}",
                    f"{plural(c.batches_available, 'batch')} left", "open" if c.open else "closed",
                    c.requester, f"requester accepted {rate} of {c.requester_reviewed} reviewed items",
                ]
            )
        )  # fmt: skip


def url_rpc(url: str) -> Any:
    """``app.chain.indexer.Rpc`` over plain urllib JSON-RPC, each call in a thread."""
    import asyncio

    from app.chain.jsonrpc import rpc_call

    async def call(method: str, params: list[Any]) -> Any:
        return await asyncio.to_thread(rpc_call, url, method, params, 10.0)

    return call


def _live_deployment(args: argparse.Namespace, net: NetworkChoice) -> tuple[str, Deployment] | None:
    """The node's URL and the saved deployment, if the network answers and the contracts there are
    the ones this app ships (else None: the full path starts, deploys or says why)."""
    from app.chain.contracts import load_artifact, load_deployment
    from app.chain.devnet import Devnet
    from app.chain.jsonrpc import RpcError, rpc_call

    if net.rpc_url is None:
        running = Devnet(args.paths.devnet, chain_id=net.chain_id).status()
        if running is None:
            return None
        url = running.rpc_url
    else:
        url = net.rpc_url
    deployment = load_deployment(args.paths.data, net.name)
    if deployment is None or deployment.sources_hash != load_artifact("TaskBoard").sources_hash:
        return None
    try:
        if int(rpc_call(url, "eth_chainId"), 16) != deployment.chain_id:
            return None
        code = rpc_call(url, "eth_getCode", [deployment.address("TaskBoard"), "latest"])
    except (RpcError, ValueError, TypeError):
        return None
    return (url, deployment) if isinstance(code, str) and len(code) > 2 else None


def fast_campaigns(args: argparse.Namespace) -> list[CampaignInfo] | None:
    """The campaigns by plain JSON-RPC, or None where only the full path can answer. The settings
    and the manifests an earlier run validated come from its record (``checked_cache``): no pydantic."""
    import asyncio

    from app.cli.blob import open_cli_store
    from app.cli.checked_cache import CheckedCache, CheckedManifests, checked_network
    from app.labeling.board_scan import BoardScan
    from app.labeling.campaign_list import campaigns
    from app.labeling.catalog import Board

    cache = CheckedCache(args.paths.cache / CHECKED_RECORD)
    net = checked_network(cache, args.paths.settings_file)
    found = _live_deployment(args, net)
    if found is None:
        cache.save()
        return None
    url, deployment = found
    rpc = url_rpc(url)
    board = Board(rpc, deployment, BoardScan(rpc, deployment.address("TaskBoard"), deployment.block))

    def manifests() -> Manifests:
        from app.labeling.manifests import Manifests

        return Manifests(open_cli_store(args, lambda _args: net.ipfs_api), board)

    try:
        return asyncio.run(campaigns(board, CheckedManifests(cache, manifests)))
    except (RuntimeError, ValueError) as exc:  # the node refused a wide log range, or went away
        log.info("label campaigns: the plain JSON-RPC path failed (%s); opening the runtime", exc)
        return None
    finally:
        cache.save()
