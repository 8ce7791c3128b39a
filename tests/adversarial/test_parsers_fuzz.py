"""Fuzz targets for the parsers that read what others wrote: graph files, envelope headers,
JSON-RPC and IPFS answers, and the depth-limited JSON loader under them all.

Each target feeds random or mutated input and accepts exactly one outcome besides success: the
parser's own error, whose message says why. Anything else (a KeyError, a RecursionError, a hang) is
a bug. The import formats' targets are in ``tests/unit/test_labeling_formats_fuzz.py``. ``make fuzz``
runs them all with many more examples (``fuzz_settings``).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator

import pytest
from fuzz_settings import fuzz
from hypothesis import given
from hypothesis import strategies as st
from local_http import Handler, serving

from app import safe_json
from app.chain.http_provider import LoopSessionProvider
from app.chain.jsonrpc import RpcError, rpc_call
from app.storage import DecryptionError
from app.storage.envelope import decrypt, encrypt, read_header
from app.storage.ipfs_rpc import BackendError, _gc_entry, _message
from app.studio.document import GraphFileError, parse_agent, read_agent
from app.studio.graph import SCHEMA_VERSION
from app.wallet.hd import encryption_key_from_mnemonic

KEYS = ["schema_version", "name", "nodes", "edges", "groups", "id", "type", "config", "graph", "source",
        "target", "source_port", "target_port", "position", "x", "y", "models", "timeout_s", "node_ids",
        "jsonrpc", "result", "error", "Hash", "Key", "Message", "Error"]  # fmt: skip
SCALARS = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8)
    | st.sampled_from(["subgraph", "input", "output", "router", "http_tool", SCHEMA_VERSION, 0, -1])
)  # fmt: skip
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=6)
    ),
    max_leaves=30,
)
VALID_GRAPH = {
    "schema_version": SCHEMA_VERSION,
    "nodes": [
        {"id": "i", "type": "input", "config": {"name": "x"}},
        {"id": "s", "type": "subgraph", "config": {"graph": {"schema_version": SCHEMA_VERSION, "nodes": []}}},
        {"id": "o", "type": "output", "config": {"name": "y"}},
    ],
    "edges": [{"id": "e", "source": "i", "source_port": "value", "target": "o", "target_port": "value"}],
}
KEY = encryption_key_from_mnemonic("test test test test test test test test test test test junk", 0)
SEALED = b"".join(encrypt([b"secret data " * 10], [KEY.public_key], segment_size=32))


def mutate(text: bytes, cuts: list[tuple[int, bytes]]) -> bytes:
    """``text`` with each (position, bytes) spliced in over as many bytes."""
    out = bytearray(text)
    for position, piece in cuts:
        at = position % (len(out) + 1)
        out[at : at + len(piece)] = piece
    return bytes(out)


CUTS = st.lists(st.tuples(st.integers(0, 10_000), st.binary(min_size=1, max_size=4)), min_size=1, max_size=4)


@fuzz
@given(st.text(alphabet='[]{}"\\:,0123 abe-.tfnrul', max_size=400))
def test_safe_json_agrees_with_json_or_says_why(text: str) -> None:
    try:
        expected = json.loads(text)
    except (ValueError, RecursionError):
        with pytest.raises(ValueError):
            safe_json.loads(text)
        return
    if safe_json.depth(text) <= safe_json.MAX_DEPTH:
        got = safe_json.loads(text)
        assert got == expected or got != got  # NaN
    else:
        with pytest.raises(safe_json.JsonDepthError):
            safe_json.loads(text)


@fuzz
@given(JSON)
def test_graph_documents_of_any_shape(raw: object) -> None:
    with contextlib.suppress(GraphFileError):
        parse_agent(raw)


@fuzz
@given(CUTS)
def test_mutated_graph_files(tmp_path_factory: pytest.TempPathFactory, cuts: list[tuple[int, bytes]]) -> None:
    path = tmp_path_factory.mktemp("graph") / "g.sahara-agent"
    path.write_bytes(mutate(json.dumps(VALID_GRAPH).encode(), cuts))
    with contextlib.suppress(GraphFileError):
        read_agent(path)


@fuzz
@given(st.binary(max_size=600) | CUTS.map(lambda cuts: mutate(SEALED, cuts)))
def test_envelope_headers(blob: bytes) -> None:
    with contextlib.suppress(DecryptionError):
        read_header([blob])
        b"".join(decrypt([blob], KEY.private_key))


class _Answer(Handler):
    body = b""

    def do_POST(self) -> None:
        self.answer(200, type(self).body)


@pytest.fixture(scope="module")
def rpc_server() -> Iterator[str]:
    with serving(_Answer) as base:
        yield base


_lock = threading.Lock()


@fuzz
@given(st.binary(max_size=300) | JSON.map(lambda v: json.dumps(v).encode()) | st.sampled_from([b"[" * 5000]))
def test_json_rpc_answers(rpc_server: str, body: bytes) -> None:
    with _lock:
        _Answer.body = body
        with contextlib.suppress(RpcError):
            rpc_call(rpc_server, "eth_blockNumber")
    with contextlib.suppress(ValueError):  # web3's provider: what ChainClient reads answers with
        LoopSessionProvider.decode_rpc_response(body)


@fuzz
@given(st.binary(max_size=300) | JSON.map(lambda v: json.dumps(v).encode()))
def test_ipfs_answers(body: bytes) -> None:
    assert isinstance(_message(body, 500), str)
    with contextlib.suppress(BackendError):
        assert _gc_entry(body) in (0, 1)
