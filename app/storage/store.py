"""The one interface every blob backend implements, and the file helpers built on it.

A blob is an immutable byte string named by its CID (see layout.py). Backends differ in where
the bytes live (a folder, an IPFS node, a gateway) but not in what a CID means: the same bytes get
the same CID everywhere, and every read is verified against it. The API is synchronous and
streaming (iterables of byte pieces in, iterators out) so that multi-gigabyte files never sit in
memory and the same code serves the CLI, the worker and tests; async callers run it in a thread
(``asyncio.to_thread``) so hashing and I/O stay off the event loop.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from app.storage.cid import Cid
from app.storage.errors import BlobTooLarge, StorageFull
from app.storage.layout import CHUNK_SIZE

# Out of space, over quota, or over a file size limit: to the user all three mean "disk full".
_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def is_disk_full(exc: OSError) -> bool:
    return exc.errno in _FULL_ERRNOS


class BlobStore(ABC):
    """Content-addressed, verified blob storage.

    ``get`` raises ``BlobNotFound`` at once when the blob is absent; the iterator it returns raises
    ``BlobCorrupt`` as soon as a piece fails its hash, before that piece is handed out.
    """

    read_only = False

    @abstractmethod
    def put(self, source: Iterable[bytes], *, pin: bool = True) -> Cid:
        """Store the bytes of ``source`` (pieces of any size) and return their CID."""

    @abstractmethod
    def get(self, cid: Cid | str) -> Iterator[bytes]:
        """The blob's bytes, in pieces of at most one chunk, each verified before it is yielded."""

    @abstractmethod
    def has(self, cid: Cid | str) -> bool:
        """Whether this store can serve the blob without fetching it from elsewhere."""

    @abstractmethod
    def pin(self, cid: Cid | str) -> None:
        """Keep the blob through ``gc``; raises ``BlobNotFound`` if it is not here."""

    @abstractmethod
    def unpin(self, cid: Cid | str) -> None:
        """Let ``gc`` remove the blob; unpinning an unpinned blob is not an error."""

    @abstractmethod
    def gc(self) -> int:
        """Remove what is not pinned; returns how many blobs (or, on IPFS, blocks) went."""

    def put_file(self, path: Path, *, pin: bool = True) -> Cid:
        with open(path, "rb") as fh:
            return self.put(read_pieces(fh), pin=pin)

    def batch(self) -> BlobBatch:
        """A batch of small puts made durable together (see ``BlobBatch``)."""
        return BlobBatch(self)

    def verify(self, cid: Cid | str) -> int:
        """Read the whole blob through its hash checks; returns its size in bytes."""
        return sum(len(piece) for piece in self.get(cid))


class BlobBatch:
    """Many small puts whose durability is paid once, at ``commit``, instead of once per blob.

    Blobs put through a batch are guaranteed stored only after ``commit`` returns: record
    anything that names them (a manifest) after that, and a crash can never leave a record pointing
    at a missing blob. ``discard`` (or leaving the ``with`` block by an exception) drops what a
    backend has not made visible yet. ``put_bytes`` may be called from several threads at once.
    This default puts each blob at once, durably (backends that have nothing to batch).
    """

    def __init__(self, store: BlobStore) -> None:
        self.store = store

    def put_bytes(self, data: bytes, *, pin: bool = True) -> Cid:
        return self.store.put([data], pin=pin)

    def commit(self) -> None:
        """Make every blob put so far durable and readable."""

    def discard(self) -> None:
        """Forget what is not committed (blobs already stored elsewhere stay, unpinned or not)."""

    def __enter__(self) -> BlobBatch:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def read_limited(store: BlobStore, cid: Cid | str, limit: int) -> bytes:
    """A blob's bytes, refused (``BlobTooLarge``) as soon as they pass ``limit``: a CID read from the
    chain is anyone's, and must not make the app read gigabytes into memory."""
    data = bytearray()
    for piece in store.get(cid):
        data += piece
        if len(data) > limit:
            raise BlobTooLarge(f"{cid} is larger than {limit} bytes")
    return bytes(data)


def read_pieces(fh: BinaryIO, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    while piece := fh.read(size):
        yield piece


def save_stream(pieces: Iterable[bytes], dest: Path) -> int:
    """Write ``pieces`` to ``dest`` all or nothing: temp file beside it, fsync, rename.

    If reading the pieces fails (a corrupt blob, a wrong key, a full disk) the temp file is
    removed and ``dest`` is untouched, so a verified download is never confused with a partial
    one. Returns the number of bytes written.
    """
    dest = dest.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for piece in pieces:
                out.write(piece)
                written += len(piece)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and is_disk_full(exc):
            raise StorageFull(f"not enough disk space to write {dest}; nothing was written") from exc
        raise
    return written
