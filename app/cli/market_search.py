"""``sahara market search``: the catalogue, caught up with the chain, with no key or web3 code.

A search signs nothing, yet opening the whole runtime (chain client, outbox, wallet service) loaded
web3 and eth-account at every start: seconds before the first result. Here the command opens the
database, starts or attaches to the devnet as every command does (or checks a custom node's chain
id), and reads the market's new events through the same ``MarketIndexer`` (ranges, checks, reorg
handling, metadata) over plain JSON-RPC (``app.chain.jsonrpc``), or through the network's subgraph
where one is set. Contracts are not deployed for a search: a network without them is refused as
before (``sahara deploy``), and on a devnet without them yet the catalogue has nothing to read.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from app.cli.wallet import CliError

if TYPE_CHECKING:
    from app.chain.indexer import Rpc
    from app.runtime import AppRuntime

RPC_TIMEOUT_S = 30.0  # one eth_getLogs range; a slow answer is halved by the indexer like a refusal


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _rpc(url: str) -> Rpc:
    """The indexer's JSON-RPC as blocking ``rpc_call``s in a thread: a node's error answer (or no
    answer) raises ``RpcFailed`` with the node's words, which the indexer reads to halve a range."""
    from app.chain.indexer import RpcFailed
    from app.chain.jsonrpc import RpcError, rpc_call

    async def call(method: str, params: list[Any]) -> Any:
        try:
            return await asyncio.to_thread(rpc_call, url, method, params, RPC_TIMEOUT_S)
        except RpcError as exc:
            raise RpcFailed(str(exc)) from exc

    return call


async def _node_url(runtime: AppRuntime) -> str:
    """The network's node: the devnet (started for this command when it is not running, as every
    command does) or the configured RPC, checked to be the configured chain."""
    from app.chain.devnet import Devnet
    from app.chain.jsonrpc import RpcError, rpc_call

    net = runtime.settings.network()
    if net.rpc_url is None:
        devnet = Devnet(runtime.paths.devnet, chain_id=net.chain_id)
        if devnet.status() is None:
            _say("starting the local devnet for this command")
        runtime.devnet = devnet  # runtime.shutdown stops it if this command started it
        try:
            return (await asyncio.to_thread(devnet.start)).rpc_url
        except Exception as exc:
            raise CliError(f"The local devnet could not start: {exc}") from exc
    try:
        chain_id = int(await asyncio.to_thread(rpc_call, net.rpc_url, "eth_chainId", [], RPC_TIMEOUT_S), 16)
    except (RpcError, TypeError, ValueError) as exc:
        raise CliError(f"{net.rpc_url} did not answer: {exc}") from exc
    if chain_id != net.chain_id:
        raise CliError(
            f"{net.rpc_url} is chain {chain_id}, but network '{net.name}' is configured as chain "
            f"{net.chain_id}; refusing to use it."
        )
    return net.rpc_url


async def catch_up(args: argparse.Namespace, runtime: AppRuntime) -> int:
    """Read the market's new events into the catalogue; the chain id to search."""
    from app.chain.contracts import load_deployment
    from app.chain.indexer import RpcFailed
    from app.cli.blob import open_cli_store
    from app.services import DEVNET_CONFIRMATIONS, NETWORK_CONFIRMATIONS
    from app.services.catalogue import catalogue_source

    net = runtime.settings.network()
    url = await _node_url(runtime)
    deployment = load_deployment(runtime.paths.data, net.name)
    if deployment is None or deployment.chain_id != net.chain_id:
        if net.rpc_url is not None:  # as opening the network says it (the devnet deploys when one signs)
            raise CliError(
                f"Sahara's contracts are not on {net.name}: run `sahara deploy --network {net.name}`"
            )
        return net.chain_id  # a devnet without contracts yet: nothing was ever registered on it
    assert runtime.sessions is not None
    store = open_cli_store(args)
    confirmations = DEVNET_CONFIRMATIONS if net.rpc_url is None else NETWORK_CONFIRMATIONS
    source = catalogue_source(net, runtime.sessions, deployment, store, confirmations, rpc=_rpc(url))
    _say("reading the market's events")
    try:
        await source.sync()
    except RpcFailed as exc:
        raise CliError(f"the market's events could not be read: {exc}") from exc
    return deployment.chain_id


def _me(args: argparse.Namespace, runtime: AppRuntime) -> str | None:
    """The address of the account the command acts as (``--account``, else the app's), from the
    keystore's clear list: no password, no key code; None without a wallet."""
    from app.wallet.keystore import Keystore

    keystore = Keystore(runtime.paths.data / "wallet")
    accounts = {a.index: a for a in keystore.accounts()} if keystore.exists() else {}
    if args.account is not None:
        if args.account not in accounts:
            raise CliError(f"the wallet has no account {args.account}")
        return accounts[args.account].address
    active = runtime.settings.active_account if runtime.settings.active_account in accounts else 0
    return accounts[active].address if active in accounts else None


async def _search(args: argparse.Namespace, runtime: AppRuntime) -> None:
    from app.cli.market import KINDS
    from app.market.catalog.search import KINDS as KIND_IDS
    from app.market.catalog.search import Query, search_with
    from app.market.terms import parse_price
    from app.words import sahara

    if runtime.db_error:
        raise CliError(runtime.db_error)
    me = _me(args, runtime)
    chain_id = await catch_up(args, runtime)
    if args.mine and me is None:
        raise CliError("--mine needs a wallet: run `sahara wallet new` or `sahara wallet import` first")
    query = Query(
        text=" ".join(args.words), kind=KIND_IDS[args.kind] if args.kind else None,
        max_price=None if args.max_price is None else parse_price(args.max_price),
        sort=args.sort, limit=args.limit, owner=me if args.mine else None,
    )  # fmt: skip
    assert runtime.sessions is not None
    hits = await asyncio.to_thread(search_with, runtime.sessions, chain_id, query)
    if not hits:
        _say("no assets match")
        return
    print("id\tkind\tname\tprice\tlicenses\tderivatives\towner\tmetadata")
    for h in hits:
        price = "no offer" if h.min_price is None else sahara(h.min_price)
        meta = "ok" if h.meta_status == "ok" else f"{h.meta_status}: {h.meta_problem}"
        name = h.name or f"(asset {h.asset_id})"
        print(
            f"{h.asset_id}\t{KINDS[h.kind]}\t{name}\t{price}\t{h.licenses}\t{h.children}\t{h.owner}\t{meta}"
        )


async def search_command(args: argparse.Namespace) -> None:
    """``sahara market search``: open the database, catch up, search, print; always closed after."""
    from app.runtime import AppRuntime

    runtime = AppRuntime.open(args.paths)
    try:
        await _search(args, runtime)
    finally:
        await runtime.aclose()
        await asyncio.to_thread(runtime.shutdown)
