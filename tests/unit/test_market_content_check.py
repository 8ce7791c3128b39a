"""The content badge's facts (``asset_cache.content_check``): "verified" only for bytes the app
downloaded and hashed, still hashing to that; a metadata that parsed proves nothing about content."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from app.market.asset_cache import CONTENT, RECORD, asset_folder, content_check, note_download
from app.market.buying import Downloaded

CHAIN, ASSET = 31337, 7
BYTES = b"the dataset, decrypted\n"
SHA = hashlib.sha256(BYTES).hexdigest()


def downloaded(tmp_path: Path, data: bytes = BYTES) -> Downloaded:
    path = tmp_path / "Downloads" / "data.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return Downloaded(3, ASSET, path, len(data), hashlib.sha256(data).hexdigest())


def test_nothing_downloaded_is_not_verified(tmp_path: Path) -> None:
    assert content_check(tmp_path / "cache", CHAIN, ASSET, SHA).state == "absent"
    assert content_check(tmp_path / "cache", CHAIN, ASSET, None).state == "absent"


def test_a_noted_download_is_verified_until_its_bytes_change(tmp_path: Path) -> None:
    cache, got = tmp_path / "cache", downloaded(tmp_path)
    note_download(cache, CHAIN, got)
    check = content_check(cache, CHAIN, ASSET, SHA)
    assert (check.state, check.sha256, check.path) == ("verified", SHA, got.path)
    got.path.write_bytes(BYTES.replace(b"dataset", b"DATASET"))  # same size, other bytes
    os.utime(got.path, ns=(1, 1))  # and an old time: the size and time differ from the record's
    altered = content_check(cache, CHAIN, ASSET, SHA)
    assert altered.state == "mismatch" and "changed after it was verified" in altered.why
    got.path.unlink()
    assert content_check(cache, CHAIN, ASSET, SHA).state == "absent"


def test_a_copy_of_another_version_is_a_mismatch(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    note_download(cache, CHAIN, downloaded(tmp_path))
    other = content_check(cache, CHAIN, ASSET, "ab" * 32)  # the asset now publishes other content
    assert other.state == "mismatch" and "not the content the asset publishes" in other.why


def test_the_cache_content_is_checked_as_the_studio_reads_it(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    folder = asset_folder(cache, CHAIN, ASSET)
    folder.mkdir(parents=True)
    (folder / CONTENT).write_bytes(BYTES)
    # a record from before mtimes were kept: the bytes are hashed to be sure
    (folder / RECORD).write_text(json.dumps({"license_id": 3, "sha256": SHA, "size": len(BYTES)}))
    assert content_check(cache, CHAIN, ASSET, SHA).state == "verified"
    (folder / CONTENT).write_bytes(b"swapped in the cache")
    assert content_check(cache, CHAIN, ASSET, SHA).state == "mismatch"


def test_a_record_that_is_not_one_vouches_for_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    folder = asset_folder(cache, CHAIN, ASSET)
    folder.mkdir(parents=True)
    (folder / "download.json").write_text('{"sha256": 5, "path": ["x"]}')
    (folder / RECORD).write_text("not json")
    assert content_check(cache, CHAIN, ASSET, SHA).state == "absent"
