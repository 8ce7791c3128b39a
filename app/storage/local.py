"""The default backend: blobs in a folder of the user's data directory (``<data>/blobs``).

    objects/<last 2 chars>/<cid>/content   the blob's bytes, exactly as a file
    objects/<last 2 chars>/<cid>/leaves    for blobs over one chunk: chunk size + chunk digests
    pins/<cid>                             empty marker: keep through gc
    tmp/                                   puts in progress (and gc's trash)
    quarantine/<cid>.<unix time>           blobs that failed verification, kept for inspection

A put writes a folder under tmp/ (content, then leaves), fsyncs it and renames it into objects/
in one step, so a crash or a full disk never leaves a partial blob where readers look; leftovers
in tmp/ are removed by ``gc``. Storing the content as one plain file (rather than one file per
1 MiB block, as IPFS does) keeps puts and reads at disk speed. The leaves file lets every chunk
be checked before it is handed out: it is itself authenticated by rebuilding the CID from it.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from filelock import FileLock

from app.fileio import fsync_dir
from app.storage.cid import RAW, Cid, as_cid
from app.storage.errors import BlobCorrupt, BlobNotFound, InvalidCid, StorageFull
from app.storage.layout import CHUNK_SIZE, FileDag, chunk_views
from app.storage.local_batch import LocalBatch
from app.storage.pipeline import ChunkWriter
from app.storage.store import BlobStore, is_disk_full

_BINARY = getattr(os, "O_BINARY", 0)  # Windows would otherwise translate line endings
CONTENT = "content"
LEAVES = "leaves"
_LEAVES_MAGIC = b"sahara-leaves\x01"
STALE_AFTER_S = 3600.0  # tmp/ entries untouched this long belong to a put that died


class _Mismatch(Exception):
    """Internal: what failed verification, turned into BlobCorrupt after the file is closed."""


class LocalStore(BlobStore):
    def __init__(self, root: Path, *, chunk_size: int = CHUNK_SIZE, stale_after_s: float = STALE_AFTER_S):
        self.root = root
        self.chunk_size = chunk_size
        self.stale_after_s = stale_after_s
        self._objects, self._pins = root / "objects", root / "pins"
        self._tmp, self.quarantine = root / "tmp", root / "quarantine"
        for folder in (self._objects, self._pins, self._tmp, self.quarantine):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Serialises gc against the commit step of puts and pins, across processes.
        self._lock = FileLock(root / ".lock")

    def _folder(self, cid: Cid) -> Path:
        text = str(cid)
        return self._objects / text[-2:] / text

    # -- writing ---------------------------------------------------------------------------------

    def put(self, source: Iterable[bytes], *, pin: bool = True) -> Cid:
        work = Path(tempfile.mkdtemp(prefix="put-", dir=self._tmp))
        try:
            dag = FileDag()
            with ChunkWriter(work / CONTENT, dag) as writer:
                for chunk in chunk_views(source, self.chunk_size):
                    writer.add(chunk)
                digests = writer.finish()
            cid = dag.root()
            if dag.leaves > 1:
                _write_synced(work / LEAVES, _LEAVES_MAGIC + struct.pack(">I", self.chunk_size) + digests)
            fsync_dir(work)
            self._commit(work, cid, pin)
            return cid
        except OSError as exc:
            if is_disk_full(exc):
                raise StorageFull(f"not enough disk space in {self.root}; nothing was stored") from exc
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)  # gone already when the commit renamed it

    def _commit(self, work: Path, cid: Cid, pin: bool) -> None:
        final = self._folder(cid)
        with self._lock:
            if pin:
                _write_synced(self._pins / str(cid), b"")
            if (final / CONTENT).is_file():
                return  # the same bytes are already here: a CID names exactly one content
            final.parent.mkdir(exist_ok=True, mode=0o700)
            os.rename(work, final)
            fsync_dir(final.parent)

    def batch(self) -> LocalBatch:
        """Small puts made durable together at ``commit`` (one sync, not four fsyncs each)."""
        return LocalBatch(self)

    def pin(self, cid: Cid | str) -> None:
        cid = as_cid(cid)
        with self._lock:
            if not self.has(cid):
                raise BlobNotFound(cid)
            _write_synced(self._pins / str(cid), b"")

    def unpin(self, cid: Cid | str) -> None:
        (self._pins / str(as_cid(cid))).unlink(missing_ok=True)

    def gc(self) -> int:
        """Remove unpinned blobs, then leftovers of dead puts and pins whose blob never arrived."""
        removed = 0
        with self._lock:
            pinned = {entry.name for entry in self._pins.iterdir()}
            for shard in self._objects.iterdir():
                for folder in shard.iterdir():
                    if folder.name not in pinned:
                        trash = Path(tempfile.mkdtemp(prefix="gc-", dir=self._tmp)) / folder.name
                        os.rename(folder, trash)  # out of sight at once; deleting may take a while
                        shutil.rmtree(trash.parent, ignore_errors=True)
                        removed += 1
            stale = time.time() - self.stale_after_s
            for entry in self._tmp.iterdir():
                if _newest_mtime(entry) >= stale:
                    continue
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
            for marker in self._pins.iterdir():
                if not self._holds(marker.name) and marker.stat().st_mtime < stale:
                    marker.unlink(missing_ok=True)
        return removed

    # -- reading ---------------------------------------------------------------------------------

    def has(self, cid: Cid | str) -> bool:
        return (self._folder(as_cid(cid)) / CONTENT).is_file()

    def _holds(self, name: str) -> bool:
        try:
            return self.has(name)
        except InvalidCid:
            return False  # a stray file in pins/: not a pin of anything

    def get(self, cid: Cid | str) -> Iterator[bytes]:
        cid = as_cid(cid)
        if not self.has(cid):
            raise BlobNotFound(cid)
        return self._read(cid, self._folder(cid))

    def _read(self, cid: Cid, folder: Path) -> Iterator[bytes]:
        try:
            with open(folder / CONTENT, "rb") as fh:
                plan = self._plan(cid, folder, os.fstat(fh.fileno()).st_size)
                for index, (digest, size) in enumerate(plan):
                    chunk = fh.read(size)
                    if len(chunk) != size or hashlib.sha256(chunk).digest() != digest:
                        raise _Mismatch(f"chunk {index} does not match its hash")
                    yield chunk
                if fh.read(1):
                    raise _Mismatch("the file is longer than its chunks")
        except FileNotFoundError:
            raise BlobNotFound(cid) from None  # removed by gc between has() and open()
        except _Mismatch as exc:
            raise BlobCorrupt(cid, str(exc), self._quarantine(cid, folder)) from None

    def _plan(self, cid: Cid, folder: Path, size: int) -> list[tuple[bytes, int]]:
        """(digest, size) of every chunk, checked against the CID before any data is read."""
        if cid.codec == RAW:
            return [(cid.digest, size)]
        try:
            leaves = (folder / LEAVES).read_bytes()
        except FileNotFoundError:
            if not folder.exists():
                raise  # gc removed the whole blob while we opened it: not found, not corrupt
            raise _Mismatch("its chunk list is missing") from None
        head = len(_LEAVES_MAGIC) + 4
        if not leaves.startswith(_LEAVES_MAGIC) or (len(leaves) - head) % 32:
            raise _Mismatch("its chunk list is damaged")
        (chunk_size,) = struct.unpack(">I", leaves[len(_LEAVES_MAGIC) : head])
        digests = [leaves[i : i + 32] for i in range(head, len(leaves), 32)]
        if chunk_size == 0 or len(digests) != max(1, math.ceil(size / chunk_size)):
            raise _Mismatch(f"its size ({size} bytes) does not fit its chunk list")
        sizes = [chunk_size] * (len(digests) - 1) + [size - chunk_size * (len(digests) - 1)]
        dag = FileDag()
        for digest, chunk in zip(digests, sizes, strict=True):
            dag.add_leaf(digest, chunk)
        if dag.root() != cid:
            raise _Mismatch("its chunk list does not add up to the CID")
        return list(zip(digests, sizes, strict=True))

    def _quarantine(self, cid: Cid, folder: Path) -> Path | None:
        """Move a blob that failed verification out of the store, keeping it for inspection."""
        dest = self.quarantine / f"{cid}.{int(time.time())}"
        try:
            os.rename(folder, dest)
        except OSError:
            return None  # another reader moved it first
        return dest


def _write_synced(path: Path, data: bytes) -> None:
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _BINARY, 0o600), "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _newest_mtime(entry: Path) -> float:
    """A put in progress keeps appending to its content file; the folder's own mtime does not move."""
    with contextlib.suppress(OSError):
        times = [entry.stat().st_mtime]
        if entry.is_dir():
            times += [child.stat().st_mtime for child in entry.iterdir()]
        return max(times)
    return time.time()  # vanished while we looked: not ours to judge
