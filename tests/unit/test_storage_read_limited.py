"""``read_limited``: the one bounded read behind every blob the chain names (campaign manifests,
labeling reports, a compute job's blobs, a sealed job's manifest and a provider's spec)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.storage import BlobTooLarge, StorageError, read_limited
from app.storage.layout import CHUNK_SIZE
from app.storage.local import LocalStore


class Counting:
    """A store that counts the pieces a reader took."""

    def __init__(self, store: LocalStore) -> None:
        self.store, self.pieces = store, 0

    def get(self, cid: object) -> Iterator[bytes]:
        for piece in self.store.get(cid):  # type: ignore[arg-type]
            self.pieces += 1
            yield piece


def test_a_blob_within_the_limit_is_read_whole(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    cid = store.put([b"x" * 1000])
    assert read_limited(store, cid, 1000) == b"x" * 1000
    assert read_limited(store, str(cid), 1000) == b"x" * 1000


def test_one_byte_over_the_limit_is_refused(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    cid = store.put([b"x" * 1001])
    with pytest.raises(BlobTooLarge, match="larger than 1000 bytes") as refused:
        read_limited(store, cid, 1000)
    assert isinstance(refused.value, StorageError)  # callers that catch storage errors catch it


def test_a_huge_blob_is_refused_after_the_first_piece_past_the_limit(tmp_path: Path) -> None:
    """A hostile CID must not make the app read the whole blob into memory."""
    store = Counting(LocalStore(tmp_path))
    cid = store.store.put([b"\0" * CHUNK_SIZE] * 8)
    with pytest.raises(BlobTooLarge):
        read_limited(store, cid, CHUNK_SIZE + 1)  # type: ignore[arg-type]
    assert store.pieces == 2
