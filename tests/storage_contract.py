"""What every blob backend must do, as a test class each backend's tests subclass.

A backend's test class subclasses ``WriteContract`` (or ``ReadOnlyContract``) and provides the
``store`` fixture, plus ``seed`` where the store cannot write (the gateway is seeded through its
node's RPC API). The same
bytes must get the same CID on every backend, the one computed by app.storage.layout, which is
checked against Helia (a real IPFS implementation) in the integration tests.

Also here: ``helia_node()``, which runs the test IPFS node in ipfs/node.mjs for the duration of a
``with`` block (imported by the integration tests' fixtures).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.storage import BlobNotFound, BlobStore, Cid, InvalidCid, ReadOnlyStore
from app.storage.layout import CHUNK_SIZE, compute_cid

REPO = Path(__file__).resolve().parent.parent
SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 5]
BAD_CIDS = [
    "",
    "hello",
    "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",  # CIDv0: only CIDv1 is accepted
    "bafyreigbtj4x7ip5legnfznufuopl4sg4knzc2cof6duas4b3q2fy6swua",  # dag-cbor codec
    "BAFKREIHDWDCEFGH4DQKJV67UZCMW7OJEE6XEDZDETOJUZJEVTENXQUVYKU",  # upper case
    "../../etc/passwd",
    "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk",  # one character short
]


def pseudo_random(size: int, seed: int = 0) -> bytes:
    """Deterministic, incompressible test content (sha256 in counter mode)."""
    blocks = (hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(-(-size // 32)))
    return b"".join(blocks)[:size]


def pieces_of(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


class ReadContract:
    """What every backend does, read-only ones included."""

    @pytest.fixture
    def store(self) -> BlobStore:
        raise NotImplementedError("a backend's test class provides the store")

    @pytest.fixture
    def seed(self, store: BlobStore) -> Callable[[bytes], Cid]:
        return lambda data: store.put([data])

    @pytest.mark.parametrize("size", SIZES)
    def test_round_trip_gives_the_ipfs_cid(self, store, seed, size: int) -> None:
        data = pseudo_random(size, seed=size)
        cid = seed(data)
        assert cid == compute_cid([data])
        assert store.has(cid) and store.has(str(cid))
        pieces = list(store.get(str(cid)))
        assert b"".join(pieces) == data
        assert all(len(piece) <= CHUNK_SIZE for piece in pieces)
        assert store.verify(cid) == size

    def test_missing_blob(self, store) -> None:
        absent = compute_cid([b"never stored anywhere"])
        assert not store.has(absent)
        with pytest.raises(BlobNotFound):
            store.get(absent)

    @pytest.mark.parametrize("bad", BAD_CIDS)
    def test_bad_cids_are_refused_before_any_io(self, store, bad: str) -> None:
        for call in (store.get, store.has, store.verify):
            with pytest.raises(InvalidCid):
                call(bad)


class WriteContract(ReadContract):
    """What every writable backend does on top."""

    def test_put_streams_pieces_of_any_size(self, store) -> None:
        data = pseudo_random(2 * CHUNK_SIZE + 3, seed=7)
        assert store.put(pieces_of(data, 65_537)) == compute_cid([data])
        assert b"".join(store.get(compute_cid([data]))) == data

    def test_pin_unpin_gc(self, store) -> None:
        kept = store.put([pseudo_random(CHUNK_SIZE + 9, seed=1)])
        loose = store.put([pseudo_random(1000, seed=2)], pin=False)
        assert store.gc() >= 1
        assert store.has(kept) and not store.has(loose)
        with pytest.raises(BlobNotFound):
            store.pin(loose)
        store.unpin(kept)
        store.unpin(kept)  # unpinning twice is fine
        store.gc()
        assert not store.has(kept)
        again = store.put([pseudo_random(1000, seed=2)], pin=False)
        store.pin(again)
        store.gc()
        assert store.has(again)


class ReadOnlyContract(ReadContract):
    """A read-only backend (a gateway) says so for every write."""

    def test_writes_are_refused(self, store) -> None:
        assert store.read_only
        cid = compute_cid([b"x"])
        for call in (lambda: store.put([b"x"]), lambda: store.pin(cid), lambda: store.unpin(cid), store.gc):
            with pytest.raises(ReadOnlyStore):
                call()


@contextmanager
def helia_node() -> Iterator[dict[str, str]]:
    """Run ipfs/node.mjs; yields {"api": URL, "gateway": URL}. The node ends when stdin closes."""
    if not (REPO / "node_modules" / "helia").is_dir():
        pytest.fail("helia is missing: run `make setup` (npm ci installs it)")
    process = subprocess.Popen(
        ["node", str(REPO / "ipfs" / "node.mjs")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line:
            process.wait(timeout=10)
            pytest.fail("the Helia test node did not start (its stderr is above)")
        yield json.loads(line)
    finally:
        if process.stdin:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
