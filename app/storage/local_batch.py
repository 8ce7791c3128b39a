"""Batched puts for the local store: thousands of small blobs at disk speed, crash-safe.

A single ``LocalStore.put`` pays four fsyncs (content, its folder, the pin, the shard), which is
right for one blob and ruinous for 10,000 images (12-21 ms each on a small VM, almost all of it
waiting for the disk). A batch writes each small blob (one chunk at most, so its CID is the
content's sha2-256) into its own folder under ``tmp/batch-*/`` with no fsync, then at ``commit``:

1. syncs the staged contents, once (Linux: ``syncfs`` on the store's file system; elsewhere an
   fsync per file, the best those systems offer);
2. under the store's lock, renames each staged folder into ``objects/`` (a folder whose CID is
   already there is dropped);
3. syncs again, so the renames are durable before ``commit`` returns.

Pin markers are written as each blob is put (a marker may precede its blob: ``gc`` removes a
marker whose blob never came after an hour), so the commit itself only renames. On this class of
VM creating a file or folder costs about a millisecond, a rename a few microseconds: the creations
happen in the caller's threads, overlapped.

A blob is visible in ``objects/`` only after its bytes were synced, so a crash leaves either a
complete blob or a leftover in ``tmp/`` that ``gc`` removes; and since callers record what names
the blobs (a manifest) only after ``commit`` returns, no record can point at a missing blob.
Blobs over one chunk go through the ordinary durable ``put``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from app.fileio import fsync_dir
from app.storage.cid import RAW, Cid
from app.storage.errors import BlobNotFound, StorageFull
from app.storage.store import BlobBatch, is_disk_full

if TYPE_CHECKING:
    from app.storage.local import LocalStore

_BINARY = getattr(os, "O_BINARY", 0)
CONTENT = "content"  # as in local.py (not imported from there: local.py imports this module)


class LocalBatch(BlobBatch):
    store: LocalStore

    def __init__(self, store: LocalStore) -> None:
        super().__init__(store)
        self._work = Path(tempfile.mkdtemp(prefix="batch-", dir=store.root / "tmp"))
        self._mutex = threading.Lock()
        self._staged: dict[str, bool] = {}  # CID -> pin
        self._closed = False

    def put_bytes(self, data: bytes, *, pin: bool = True) -> Cid:
        if len(data) > self.store.chunk_size:
            return self.store.put([data], pin=pin)  # a multi-chunk blob: its own durable put
        cid = Cid.of_block(RAW, data)
        name = str(cid)
        with self._mutex:
            if self._closed:
                raise RuntimeError("this batch was already committed or discarded")
            if name in self._staged and (self._staged[name] or not pin):  # the same bytes twice: stored once
                return cid
            twin = name in self._staged
            self._staged[name] = pin
        if twin:  # stored by the first; only this one's pin is missing
            os.close(os.open(self.store.root / "pins" / name, os.O_WRONLY | os.O_CREAT | _BINARY, 0o600))
            return cid
        try:
            if pin:  # a pin may come before its blob (gc drops it after an hour if none comes)
                os.close(os.open(self.store.root / "pins" / name, os.O_WRONLY | os.O_CREAT | _BINARY, 0o600))
            if self.store.has(cid):
                return cid
            folder = self._work / name
            folder.mkdir(mode=0o700)
            fd = os.open(folder / CONTENT, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o600)
            with open(fd, "wb") as out:
                out.write(data)
        except OSError as exc:
            with self._mutex:
                self._staged.pop(name, None)
            if is_disk_full(exc):
                raise StorageFull(f"not enough disk space in {self.store.root}; nothing was stored") from exc
            raise
        return cid

    def commit(self) -> None:
        with self._mutex:
            self._closed = True
            staged = dict(self._staged)
        try:
            if staged:
                self._publish(staged)
        except OSError as exc:
            if is_disk_full(exc):
                raise StorageFull(f"not enough disk space in {self.store.root}; nothing was stored") from exc
            raise
        finally:
            shutil.rmtree(self._work, ignore_errors=True)

    def _publish(self, staged: dict[str, bool]) -> None:
        work = str(self._work)
        written = [name for name in staged if os.path.isdir(os.path.join(work, name))]
        files = [os.path.join(work, name, CONTENT) for name in written]
        _sync(self.store.root, files, [*(os.path.join(work, name) for name in written), work])
        pins, objects = str(self.store.root / "pins"), str(self.store.root / "objects")
        shards = {name[-2:] for name in staged}
        with self.store._lock:
            for shard in shards:
                os.makedirs(os.path.join(objects, shard), mode=0o700, exist_ok=True)
            # Pins and renames are metadata waits, not CPU: a few threads overlap them.
            with ThreadPoolExecutor(8, "blob-publish") as pool:
                list(pool.map(lambda name: self._place(work, objects, name), staged))
            _sync(self.store.root, [], [pins, *(os.path.join(objects, shard) for shard in shards)])

    @staticmethod
    def _place(work: str, objects: str, name: str) -> None:
        final = os.path.join(objects, name[-2:], name)
        if os.path.isfile(os.path.join(final, CONTENT)):
            return
        source = os.path.join(work, name)
        if not os.path.isdir(source):  # it was here when put, and gc took it since: say so
            raise BlobNotFound(Cid.parse(name))
        os.rename(source, final)

    def discard(self) -> None:
        with self._mutex:
            self._closed = True
        shutil.rmtree(self._work, ignore_errors=True)


def _sync(root: Path, files: list[str], folders: list[str]) -> None:
    """Make ``files`` and the entries of ``folders`` durable: one ``syncfs`` of ``root``'s file
    system where Linux offers it, else an fsync of each (folders cannot be fsynced on Windows)."""
    if _syncfs(root):
        return
    for path in files:
        fd = os.open(path, os.O_RDONLY | _BINARY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    for folder in folders:
        fsync_dir(folder)


def _syncfs(root: Path) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(root, os.O_RDONLY)
        try:
            return bool(libc.syncfs(fd) == 0)
        finally:
            os.close(fd)
    return False
