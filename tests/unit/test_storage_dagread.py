"""Reading a DAG from an untrusted block source: every lie a server could tell is caught."""

from __future__ import annotations

import threading
import time

import pytest

from app.storage import BlobCorrupt, BlobNotFound, NotAFile
from app.storage.cid import DAG_PB, RAW, Cid
from app.storage.dagpb import Link, encode_file_node
from app.storage.dagread import iter_file
from app.storage.layout import FileDag


def _tree(chunks: list[bytes]) -> tuple[Cid, dict[Cid, bytes]]:
    """A one-level file DAG over raw leaves, as a block map."""
    blocks = {Cid.of_block(RAW, chunk): chunk for chunk in chunks}
    leaves = [Cid.of_block(RAW, chunk) for chunk in chunks]
    root_block = encode_file_node(
        [Link(c, len(b)) for c, b in zip(leaves, chunks, strict=True)], [len(b) for b in chunks]
    )
    root = Cid.of_block(DAG_PB, root_block)
    blocks[root] = root_block
    return root, blocks


def _read(root: Cid, blocks: dict[Cid, bytes]) -> bytes:
    def fetch(cid: Cid) -> bytes:
        if cid not in blocks:
            raise BlobNotFound(cid)
        return blocks[cid]

    return b"".join(iter_file(root, fetch(root), fetch))


CHUNKS = [bytes([i]) * 10 for i in range(20)]


def test_reads_in_order_and_agrees_with_the_layout() -> None:
    root, blocks = _tree(CHUNKS)
    dag = FileDag()
    for chunk in CHUNKS:
        dag.add_chunk(chunk)
    assert dag.root() == root
    assert _read(root, blocks) == b"".join(CHUNKS)


def test_a_swapped_leaf_is_caught() -> None:
    root, blocks = _tree(CHUNKS)
    leaf = Cid.of_block(RAW, CHUNKS[5])
    blocks[leaf] = b"evil" * 3
    with pytest.raises(BlobCorrupt, match=f"block {leaf}"):
        _read(root, blocks)


def test_a_missing_leaf_is_reported() -> None:
    root, blocks = _tree(CHUNKS)
    del blocks[Cid.of_block(RAW, CHUNKS[-1])]
    with pytest.raises(BlobNotFound):
        _read(root, blocks)


def test_sizes_that_disagree_with_the_root_are_caught() -> None:
    leaves = [Cid.of_block(RAW, chunk) for chunk in CHUNKS[:2]]
    lying = encode_file_node([Link(c, 10) for c in leaves], [10, 10])
    lying = lying.replace(b"\x18\x14", b"\x18\x13")  # filesize 20 -> 19
    root = Cid.of_block(DAG_PB, lying)
    blocks = {root: lying, **{c: b for c, b in zip(leaves, CHUNKS[:2], strict=True)}}
    with pytest.raises(BlobCorrupt, match="19 bytes its root declares"):
        _read(root, blocks)


def test_directories_and_bottomless_trees_are_not_files() -> None:
    directory = bytes([0x0A, 0x02, 0x08, 0x01])
    with pytest.raises(NotAFile):
        _read(Cid.of_block(DAG_PB, directory), {Cid.of_block(DAG_PB, directory): directory})
    blocks: dict[Cid, bytes] = {}
    child = Cid.of_block(RAW, b"x")
    blocks[child] = b"x"
    for _ in range(40):  # a chain 40 nodes deep, each with one link
        node = encode_file_node([Link(child, 1)], [1])
        child = Cid.of_block(DAG_PB, node)
        blocks[child] = node
    with pytest.raises(NotAFile, match="deeper"):
        _read(child, blocks)


def test_fetches_ahead_but_boundedly() -> None:
    root, blocks = _tree([bytes([i]) * 10 for i in range(40)])
    in_flight, peak, lock = [0], [0], threading.Lock()

    def slow(cid: Cid) -> bytes:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.01)
        with lock:
            in_flight[0] -= 1
        return blocks[cid]

    started = time.perf_counter()
    assert b"".join(iter_file(root, blocks[root], slow)) == b"".join(bytes([i]) * 10 for i in range(40))
    assert 2 <= peak[0] <= 4
    assert time.perf_counter() - started < 40 * 0.01
