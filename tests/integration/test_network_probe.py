"""The add-network probe against a real anvil: right chain accepted, wrong chain refused."""

from __future__ import annotations

import asyncio

import pytest

from app.chain.devnet import Devnet
from app.network_config import ChainMismatch, ProbeError, check, probe
from app.settings import NetworkConfig


@pytest.fixture
def rpc_url(paths, devnets) -> str:
    devnet = Devnet(paths.devnet, block_time=None)
    devnets.append(devnet)
    return devnet.start().rpc_url


def test_probe_reads_anvils_chain_id(rpc_url: str) -> None:
    assert asyncio.run(probe(rpc_url)) == 31337
    asyncio.run(check(NetworkConfig(name="local", rpc_url=rpc_url, chain_id=31337)))


def test_a_mismatched_chain_id_is_refused(rpc_url: str) -> None:
    with pytest.raises(ChainMismatch, match="is chain 31337, not chain 1") as caught:
        asyncio.run(check(NetworkConfig(name="fake-mainnet", rpc_url=rpc_url, chain_id=1)))
    assert caught.value.actual == 31337


def test_a_stopped_node_is_unreachable(paths, devnets) -> None:
    devnet = Devnet(paths.devnet, block_time=None)
    devnets.append(devnet)
    url = devnet.start().rpc_url
    devnet.stop()
    with pytest.raises(ProbeError, match="could not be reached"):
        asyncio.run(probe(url, timeout=2.0))
