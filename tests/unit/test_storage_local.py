"""The local backend: the contract, plus what only a folder on disk can get wrong."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from storage_contract import WriteContract, pseudo_random

from app.storage import BlobCorrupt, StorageFull, save_stream
from app.storage.layout import compute_cid
from app.storage.local import CONTENT, LEAVES, LocalStore


class TestLocalContract(WriteContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> LocalStore:
        return LocalStore(tmp_path / "blobs")


def _objects(store: LocalStore) -> list[Path]:
    return [p for p in (store.root / "objects").rglob("*") if p.is_file()]


SMALL_CHUNK = 16


@settings(max_examples=60, deadline=None)
@given(
    size=st.one_of(
        st.sampled_from([0, 1, SMALL_CHUNK - 1, SMALL_CHUNK, SMALL_CHUNK + 1, 174 * SMALL_CHUNK + 1]),
        st.integers(0, 40 * SMALL_CHUNK),
    ),
    piece=st.integers(1, 3 * SMALL_CHUNK),
)
def test_chunk_boundaries_round_trip(tmp_path_factory, size: int, piece: int) -> None:
    store = LocalStore(tmp_path_factory.mktemp("blobs"), chunk_size=SMALL_CHUNK)
    data = pseudo_random(size, seed=size)
    cid = store.put(data[i : i + piece] for i in range(0, len(data), piece))
    assert cid == compute_cid([data], SMALL_CHUNK)
    pieces = list(store.get(cid))
    assert b"".join(pieces) == data
    assert [len(p) for p in pieces[:-1]] == [SMALL_CHUNK] * (len(pieces) - 1)


@pytest.mark.parametrize(
    ("damage", "size"),
    [
        ("flip", 100),
        ("flip", 5 * SMALL_CHUNK + 3),
        ("truncate", 5 * SMALL_CHUNK + 3),
        ("extend", 100),
        ("extend", 5 * SMALL_CHUNK),
        ("leaves", 5 * SMALL_CHUNK + 3),
        ("no-leaves", 5 * SMALL_CHUNK + 3),
    ],
)
def test_damage_is_caught_and_quarantined(tmp_path: Path, damage: str, size: int) -> None:
    store = LocalStore(tmp_path / "blobs", chunk_size=SMALL_CHUNK)
    cid = store.put([pseudo_random(size)])
    folder = _objects(store)[0].parent
    content = bytearray((folder / CONTENT).read_bytes())
    if damage == "flip":
        content[size // 2] ^= 0x01
    elif damage == "truncate":
        del content[-1]
    elif damage == "extend":
        content += b"\0"
    (folder / CONTENT).write_bytes(content)
    if damage == "leaves":
        leaves = bytearray((folder / LEAVES).read_bytes())
        leaves[-1] ^= 0x80
        (folder / LEAVES).write_bytes(leaves)
    elif damage == "no-leaves":
        (folder / LEAVES).unlink()
    with pytest.raises(BlobCorrupt, match=str(cid)) as caught:
        b"".join(store.get(cid))
    assert caught.value.quarantined is not None and caught.value.quarantined.is_dir()
    assert caught.value.quarantined.parent == store.quarantine
    assert not store.has(cid)  # moved away: the next reader does not meet it again
    assert store.put([pseudo_random(size)]) == cid and store.verify(cid) == size  # a fresh copy heals


def test_bytes_before_the_bad_chunk_are_released_but_not_the_bad_one(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs", chunk_size=SMALL_CHUNK)
    data = pseudo_random(4 * SMALL_CHUNK)
    cid = store.put([data])
    content = _objects(store)[0].parent / CONTENT
    damaged = bytearray(data)
    damaged[2 * SMALL_CHUNK] ^= 0xFF
    content.write_bytes(damaged)
    reader = store.get(cid)
    assert next(reader) + next(reader) == data[: 2 * SMALL_CHUNK]
    with pytest.raises(BlobCorrupt, match="chunk 2"):
        next(reader)


def test_full_disk_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalStore(tmp_path / "blobs")
    real_write, written = os.write, [0]

    def write(fd: int, data) -> int:  # type: ignore[no-untyped-def]
        if written[0] > 2 * 1024 * 1024:
            raise OSError(errno.ENOSPC, "No space left on device")
        written[0] += len(data)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(StorageFull, match="nothing was stored"):
        store.put([pseudo_random(4 * 1024 * 1024)])
    assert _objects(store) == []
    assert list((store.root / "tmp").iterdir()) == []


def test_gc_clears_stale_leftovers_but_not_puts_in_progress(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs", stale_after_s=60)
    dead = store.root / "tmp" / "put-dead"
    dead.mkdir()
    (dead / CONTENT).write_bytes(b"half a blob")
    old = time.time() - 3600
    os.utime(dead / CONTENT, (old, old))
    os.utime(dead, (old, old))
    alive = store.root / "tmp" / "put-alive"
    alive.mkdir()
    (alive / CONTENT).write_bytes(b"being written")
    dangling = store.root / "pins" / str(compute_cid([b"never arrived"]))
    dangling.write_bytes(b"")
    os.utime(dangling, (old, old))
    assert store.gc() == 0
    assert not dead.exists() and alive.exists() and not dangling.exists()


def test_save_stream_is_all_or_nothing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs", chunk_size=SMALL_CHUNK)
    cid = store.put([pseudo_random(10 * SMALL_CHUNK)])
    (_objects(store)[0].parent / CONTENT).write_bytes(pseudo_random(10 * SMALL_CHUNK, seed=9))
    dest = tmp_path / "out.bin"
    dest.write_bytes(b"previous")
    with pytest.raises(BlobCorrupt):
        save_stream(store.get(cid), dest)
    assert dest.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blobs", "out.bin"]


def test_putting_the_same_bytes_twice_keeps_one_copy(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    data = pseudo_random(3 * 1024 * 1024)
    assert store.put([data]) == store.put([data])
    assert len(_objects(store)) == 2  # content + leaves of one blob
