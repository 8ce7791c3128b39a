"""Batched puts (LocalBatch) and the parallel image upload built on them: the same CIDs as a plain
put, nothing visible before the batch is durable, nothing kept of a discarded or cancelled one."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest
from PIL import Image

from app.labeling.schema import Item
from app.labeling.upload import UploadCancelled, upload_images
from app.storage import local_batch
from app.storage.layout import compute_cid
from app.storage.local import LocalStore


def _objects(store: LocalStore) -> list[Path]:
    return [p for p in (store.root / "objects").rglob("*") if p.is_file()]


def _png(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (8, 8), n).save(out, format="PNG")
    return out.getvalue()


def test_a_batch_stores_what_put_would_and_only_at_commit(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs", chunk_size=64)
    blobs = [b"", b"one", b"one", b"x" * 64, b"y" * 65]  # empty, a twin, one chunk, two chunks
    batch = store.batch()
    cids = [batch.put_bytes(b) for b in blobs]
    assert [str(c) for c in cids] == [str(compute_cid([b], 64)) for b in blobs]
    assert [store.has(c) for c in cids] == [False, False, False, False, True]  # the two-chunk one: a put
    batch.commit()
    assert [b"".join(store.get(c)) for c in cids] == blobs
    assert store.gc() == 0  # every one is pinned
    assert not list((store.root / "tmp").iterdir())
    with pytest.raises(RuntimeError):
        batch.put_bytes(b"late")


def test_a_discarded_batch_leaves_no_blob(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    with pytest.raises(KeyError), store.batch() as batch:
        cid = batch.put_bytes(b"never mind")
        raise KeyError("the caller failed")
    assert not store.has(cid) and _objects(store) == []
    assert not list((store.root / "tmp").iterdir())


def test_no_blob_is_visible_before_its_bytes_are_synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack the ordering: record syncs and renames; the first rename into objects/ must come after
    a sync of the staged contents (else a crash could publish an empty file under a real CID)."""
    store = LocalStore(tmp_path / "blobs")
    events: list[str] = []
    real_sync, real_rename = local_batch._sync, os.rename
    monkeypatch.setattr(local_batch, "_sync", lambda *a: (events.append("sync"), real_sync(*a))[1])
    monkeypatch.setattr(os, "rename", lambda a, b: (events.append("rename"), real_rename(a, b))[1])
    with store.batch() as batch:
        for n in range(20):
            batch.put_bytes(f"blob {n}".encode())
    assert events[0] == "sync" and events[-1] == "sync" and events.count("rename") == 20


def test_without_syncfs_every_file_and_folder_is_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback where Linux's syncfs is missing (macOS, Windows): the staged file, its folder, and
    the folders its entries land in (pins, its objects shard) are each fsynced."""
    store = LocalStore(tmp_path / "blobs")
    synced: list[str] = []
    real_fsync, real_open = os.fsync, os.open
    opened: dict[int, str] = {}

    def opening(path, flags, *args):  # type: ignore[no-untyped-def]
        fd = real_open(path, flags, *args)
        opened[fd] = os.fspath(path)
        return fd

    monkeypatch.setattr(local_batch, "_syncfs", lambda _root: False)
    monkeypatch.setattr(os, "open", opening)
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(opened.get(fd, "?")), real_fsync(fd))[1])
    with store.batch() as batch:
        cid = batch.put_bytes(b"kept when syncfs is not there")
    assert store.has(cid)
    root, name = store.root, str(cid)
    staged = [path for path in synced if path.startswith(str(root / "tmp"))]
    assert [Path(path).name for path in staged[:2]] == ["content", name]  # the staged file, its folder
    assert str(root / "pins") in synced and str(root / "objects" / name[-2:]) in synced  # where it landed


def test_upload_images_in_parallel_in_order_with_problems(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    items = []
    for n in range(40):
        path = tmp_path / f"{n}.png"
        path.write_bytes(_png(n) if n != 7 else b"\x89PNG\r\n\x1a\n broken")
        items.append(Item(id=f"i{n}", source=str(path)))
    ticks: list[int] = []
    kept, problems = upload_images(items, store, tick=lambda d, t: ticks.append(d), stop=threading.Event())
    assert [i.id for i in kept] == [f"i{n}" for n in range(40) if n != 7]
    assert [p.file for p in problems] == [items[7].source] and "not a readable image" in problems[0].message
    assert all(
        i.source == "" and i.width == 8 and b"".join(store.get(i.image_cid)) == _png(int(i.id[1:]))
        for i in kept
    )
    assert ticks[-1] == 40


def test_a_cancelled_upload_keeps_nothing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    items = []
    for n in range(30):
        (tmp_path / f"{n}.png").write_bytes(_png(n))
        items.append(Item(id=f"i{n}", source=str(tmp_path / f"{n}.png")))
    stop = threading.Event()

    def tick(done: int, total: int) -> None:
        if done >= 5:
            stop.set()  # the user pressed Cancel mid-way

    with pytest.raises(UploadCancelled):
        upload_images(items, store, tick=tick, stop=stop, workers=2)
    assert _objects(store) == []
    assert not list((store.root / "tmp").iterdir())
