"""The IPFS backends against a real IPFS implementation (Helia, in ipfs/node.mjs)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storage_contract import ReadOnlyContract, WriteContract, helia_node, pseudo_random

from app.storage.cid import DAG_PB, Cid
from app.storage.errors import BackendError
from app.storage.gateway import GatewayStore
from app.storage.http import HttpOrigin
from app.storage.ipfs_rpc import IpfsRpcStore
from app.storage.layout import compute_cid


@pytest.fixture(scope="module")
def node() -> Iterator[dict[str, str]]:
    with helia_node() as urls:
        yield urls


class TestIpfsRpcContract(WriteContract):
    @pytest.fixture
    def store(self, node) -> IpfsRpcStore:
        return IpfsRpcStore(node["api"])


class TestGatewayContract(ReadOnlyContract):
    @pytest.fixture
    def store(self, node) -> GatewayStore:
        return GatewayStore(node["gateway"])

    @pytest.fixture
    def seed(self, node):  # type: ignore[no-untyped-def]
        writer = IpfsRpcStore(node["api"])
        return lambda data: writer.put([data])


def _helia_add(node, data: bytes, **options: str) -> Cid:  # type: ignore[no-untyped-def]
    """Add through Helia's own importer with the given `ipfs add` options; returns its CID."""
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'.encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    origin = HttpOrigin(node["api"])
    response = origin.request(
        "POST",
        "/api/v0/add",
        query=options,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        body=[body],
    )
    return Cid.parse(json.loads(origin.read_capped(response, 4096))["Hash"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunk=st.sampled_from([7, 16, 64]), leaves=st.integers(0, 400), extra=st.integers(0, 6))
def test_layout_matches_helia_for_any_size(node, chunk: int, leaves: int, extra: int) -> None:
    size = max(0, leaves * chunk + extra - 3)
    data = pseudo_random(size, seed=size)
    theirs = _helia_add(node, data, **{"cid-version": "1", "raw-leaves": "true", "chunker": f"size-{chunk}"})
    assert theirs == compute_cid([data], chunk)


def test_large_blob_with_a_two_level_tree(node) -> None:
    rpc, gateway = IpfsRpcStore(node["api"]), GatewayStore(node["gateway"])
    data = pseudo_random(180 * 1024 * 1024 + 17)  # over 174 chunks: the root links to inner nodes
    cid = rpc.put(data[i : i + 4_000_000] for i in range(0, len(data), 4_000_000))
    assert cid == compute_cid([data])
    assert b"".join(gateway.get(cid)) == data
    rpc.unpin(cid)
    rpc.gc()


def test_reads_files_other_tools_made(node) -> None:
    """Kubo's defaults put data inside dag-pb leaves (no raw leaves); such files read just as well."""
    data = pseudo_random(5000, seed=3)
    cid = _helia_add(node, data, **{"cid-version": "1", "raw-leaves": "false", "chunker": "size-1000"})
    assert cid.codec == DAG_PB
    assert b"".join(GatewayStore(node["gateway"]).get(cid)) == data
    assert b"".join(IpfsRpcStore(node["api"]).get(cid)) == data


def test_check_accepts_an_ipfs_node_and_refuses_other_servers(node) -> None:
    IpfsRpcStore(node["api"]).check()  # the node answers about the empty block: fine either way
    with pytest.raises(BackendError, match="not as an IPFS node's RPC API"):
        IpfsRpcStore(node["gateway"]).check()  # a gateway answers HTTP, but it is not the RPC API
