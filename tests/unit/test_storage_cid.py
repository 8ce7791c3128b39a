"""CIDs, the UnixFS layout and the dag-pb codec, checked against vectors from Helia."""

from __future__ import annotations

import contextlib
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from storage_contract import BAD_CIDS

from app.storage.cid import DAG_PB, RAW, Cid
from app.storage.dagpb import Link, MalformedNode, decode_file_node, encode_file_node
from app.storage.errors import InvalidCid
from app.storage.layout import CHUNK_SIZE, FileDag, compute_cid, rechunk

EMPTY = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


def counter_bytes(size: int) -> bytes:
    """The content the vectors below were made from: sha256 of an 8-byte big-endian counter."""
    return b"".join(hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(-(-size // 32)))[:size]


# (chunk size, file size, CID) from `ipfs/node.mjs` (Helia 7 / ipfs-unixfs-importer 17): add with
# cid-version=1, raw-leaves=true, chunker=size-N and the default balanced layout of 174 links.
HELIA_VECTORS = [
    (CHUNK_SIZE, 200_000, "bafkreicyhetdlljjdgehtdrhexsxdriua7gmbadsdlyw4uszbcusy4bw5a"),
    (CHUNK_SIZE, CHUNK_SIZE + 1, "bafybeiaexsalcsoug7gc4g3igi4ly6f4hiyrvlxgraph7oxye3zqduuuli"),
    (CHUNK_SIZE, 3 * CHUNK_SIZE + 5, "bafybeib55gwktfwvumw7nghd3opvxs56ro2d3xvnrzdxru5cr6vjn5n7fy"),
    (16, 16 * 174, "bafybeifq5kfigpcdopdo6utajvtrebyk2cd6dlb4xsawdblzvnezdpx4nu"),  # one full node
    (16, 16 * 174 + 1, "bafybeiczcv2exxc4r2jswqd3yi7n5fag2rnzdsbkifc6pbsjfu53pdptpm"),  # two levels
    (16, 16 * 174 * 174 + 16 * 174 + 5, "bafybeibvg56a22dsfphn6iceiil6yabxb2u6xw5lv4ntfrd7l35n45seqm"),
]


@pytest.mark.parametrize(("chunk", "size", "expected"), HELIA_VECTORS)
def test_same_cid_as_helia(chunk: int, size: int, expected: str) -> None:
    assert str(compute_cid([counter_bytes(size)], chunk)) == expected


def test_empty_blob_is_the_empty_raw_block() -> None:
    assert str(compute_cid([])) == str(compute_cid([b""])) == EMPTY
    assert Cid.parse(EMPTY) == Cid(RAW, hashlib.sha256(b"").digest())


def test_text_and_binary_forms() -> None:
    cid = Cid.parse(EMPTY)
    assert str(cid) == EMPTY and Cid.from_bytes(cid.to_bytes()) == cid
    assert cid.codec == RAW and cid.matches(b"") and not cid.matches(b"x")
    v0_link = bytes([0x12, 0x20]) + cid.digest  # a CIDv0 inside an older DAG: dag-pb, same block
    assert Cid.from_bytes(v0_link) == Cid(DAG_PB, cid.digest)


@pytest.mark.parametrize("bad", [*BAD_CIDS, EMPTY[:-1] + "v", "b" + "a" * 58, "bafkrei" + "8" * 52, None, 42])
def test_only_canonical_cidv1_base32_sha256(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidCid):
        Cid.parse(bad)


def test_binary_cids_with_other_hashes_or_codecs_are_refused() -> None:
    digest = bytes(32)
    for data in (
        bytes([1, RAW, 0x1E, 32]) + digest,
        bytes([1, 0x71, 0x12, 32]) + digest,
        bytes([2, RAW, 0x12, 32]),
    ):
        with pytest.raises(InvalidCid):
            Cid.from_bytes(data)


@settings(max_examples=200)
@given(pieces=st.lists(st.binary(max_size=50), max_size=8), size=st.integers(1, 20))
def test_rechunk_is_exact(pieces: list[bytes], size: int) -> None:
    data = b"".join(pieces)
    chunks = list(rechunk(pieces, size))
    assert b"".join(chunks) == data
    assert len(chunks) == max(1, -(-len(data) // size))
    assert all(len(chunk) == size for chunk in chunks[:-1]) and len(chunks[-1]) <= size


def test_node_round_trip() -> None:
    leaves = [Cid.of_block(RAW, bytes([i])) for i in range(3)]
    block = encode_file_node([Link(c, 1) for c in leaves], [1, 1, 1])
    node = decode_file_node(block)
    assert [link.cid for link in node.links] == leaves and node.unixfs.filesize == 3
    assert node.unixfs.blocksizes == [1, 1, 1]


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_decoding_garbage_fails_cleanly(block: bytes) -> None:
    with contextlib.suppress(MalformedNode):
        decode_file_node(block)


def test_a_directory_is_not_a_file() -> None:
    directory = bytes([0x0A, 0x02, 0x08, 0x01])  # Data { Type: Directory }
    with pytest.raises(MalformedNode, match="not a file"):
        decode_file_node(directory)


def test_dag_builder_needs_a_leaf() -> None:
    with pytest.raises(ValueError):
        FileDag().root()
