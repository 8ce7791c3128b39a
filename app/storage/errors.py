"""What can go wrong with blobs, as exception types callers can tell apart.

The CLI prints these messages as they are and the UI shows them, so each one says what happened
in words a user can act on. They all derive from ``StorageError`` so a caller that only wants to
report a failure needs one ``except``.
"""

from __future__ import annotations

from pathlib import Path


class StorageError(Exception):
    """Base class: anything the blob store reports."""


class InvalidCid(StorageError, ValueError):
    """A string or bytes that is not a CID this app accepts (CIDv1, sha2-256, raw or dag-pb)."""


class BlobNotFound(StorageError):
    def __init__(self, cid: object) -> None:
        super().__init__(f"blob {cid} is not in this store")
        self.cid = cid


class BlobCorrupt(StorageError):
    """The bytes read do not hash to the CID asked for: tampering, bit rot or a lying server."""

    def __init__(self, cid: object, detail: str, quarantined: Path | None = None) -> None:
        where = f"; it was moved to {quarantined}" if quarantined else ""
        super().__init__(f"blob {cid} is corrupt: {detail}{where}")
        self.cid = cid
        self.quarantined = quarantined


class BlobTooLarge(StorageError):
    """A response or a blob is larger than the caller allowed (a guard against hostile servers)."""


class StorageFull(StorageError):
    """The disk (or a quota) ran out while writing; nothing partial was kept."""


class BackendError(StorageError):
    """A remote IPFS node or gateway failed, refused or answered something it should not."""


class ReadOnlyStore(StorageError):
    """A write (put, pin, unpin, gc) was asked of a store that can only read, like a gateway."""


class DecryptionError(StorageError):
    """An encrypted blob is not for this key, or was modified, truncated, reordered or extended."""


class NotAFile(StorageError):
    """The CID names something other than a UnixFS file (a directory, a symlink, other IPLD data)."""
