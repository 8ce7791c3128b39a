"""Licensed assets decrypted into a local cache, for what runs them (the studio's ONNX node).

``fetch_into_cache`` goes through the holder's license: it finds a license of the asset the
account holds and may use (delivered or settled, unexpired), downloads and decrypts the content
with ``buying.download`` (which checks it against the published hash), and records beside the file
which license it came from, until when it is valid and its SHA-256::

    <cache>/market/<chain id>/<asset id>/content     the plaintext (a file, or a zip of several)
    <cache>/market/<chain id>/<asset id>/license.json  {"license_id", "holder", "expires_at", "sha256", ...}

``cached_content`` is what synchronous code reads (a graph run cannot wait on the chain): the file
only while the license it came from has not expired, and only if it still hashes to the recorded
SHA-256 — a file altered in the cache, or a record that names a different hash, is refused.

``content_check`` is what the asset page's badge says about the content: "verified" only for bytes
this app downloaded, decrypted and hashed (into the cache, or a download the app saved elsewhere and
noted with ``note_download``), and only while they still hash to that (a copy whose size or time
changed is hashed again); a copy that does not hash to what the asset publishes is a mismatch.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from app import safe_json
from app.fileio import atomic_write_text, file_digest
from app.market import licenses
from app.market.asset_metadata import AssetMetadata, AssetMetadataError, load_metadata
from app.market.buying import Downloaded, download
from app.market.context import MarketContext
from app.market.my_licenses import my_licenses
from app.storage import BlobStore

CONTENT, RECORD, NOTED = "content", "license.json", "download.json"


class CacheError(RuntimeError):
    """The asset is not (or no longer) usable from the cache; the message says why and what to do."""


@dataclass(frozen=True)
class CachedAsset:
    chain_id: int
    asset_id: int
    license_id: int
    path: Path
    sha256: str
    expires_at: int


def asset_folder(cache_root: Path, chain_id: int, asset_id: int) -> Path:
    return cache_root / "market" / str(chain_id) / str(asset_id)


async def usable_license(ctx: MarketContext, asset_id: int) -> int:
    """A license of ``asset_id`` the active account can use now; ``CacheError`` saying why not."""
    account = ctx.account
    if await ctx.call("LicenseMarket", "isLicensed", asset_id, account):
        return int(await ctx.call("LicenseMarket", "licenseHint", asset_id, account))
    for held in await my_licenses(ctx, account):
        if held.asset_id == asset_id and await licenses.is_valid_license(
            ctx.client, ctx.deployment, held.license_id, account
        ):
            return held.license_id
    raise CacheError(f"This account holds no usable license of asset {asset_id}: buy one first.")


async def fetch_into_cache(ctx: MarketContext, asset_id: int, cache_root: Path) -> CachedAsset:
    """Download and decrypt ``asset_id`` through the active account's license into the cache."""
    license_id = await usable_license(ctx, asset_id)
    record = await licenses.read_license(ctx.client, ctx.deployment, license_id)
    folder = asset_folder(cache_root, ctx.chain_id, asset_id)
    got = await download(ctx, license_id, folder / CONTENT, wait_s=0)
    entry = {
        "chain_id": ctx.chain_id, "asset_id": asset_id, "license_id": license_id, "holder": ctx.account,
        "expires_at": record.expires_at, "sha256": got.sha256, "size": got.size,
        "mtime_ns": got.path.stat().st_mtime_ns,
    }  # fmt: skip
    atomic_write_text(folder / RECORD, json.dumps(entry, sort_keys=True), mode=0o600)
    return CachedAsset(ctx.chain_id, asset_id, license_id, got.path, got.sha256, record.expires_at)


def cached_content(
    cache_root: Path, chain_id: int, asset_id: int, *, now: float | None = None
) -> CachedAsset:
    """The cached, hash-checked content of an asset whose license has not expired; ``CacheError``."""
    folder = asset_folder(cache_root, chain_id, asset_id)
    get = f"get it with: sahara market fetch {asset_id}"
    try:
        entry = safe_json.loads((folder / RECORD).read_text(encoding="utf-8"))
        license_id, sha, expires = int(entry["license_id"]), str(entry["sha256"]), int(entry["expires_at"])
    except FileNotFoundError:
        raise CacheError(f"asset {asset_id} of chain {chain_id} is not downloaded; {get}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CacheError(f"the cache record of asset {asset_id} is unreadable ({exc}); {get}") from None
    if expires <= (time.time() if now is None else now):
        raise CacheError(f"the license of asset {asset_id} (license {license_id}) has expired; buy a new one")
    path = folder / CONTENT
    try:
        actual, _size = file_digest(path)
    except OSError:
        raise CacheError(f"asset {asset_id} is not downloaded; {get}") from None
    if actual != sha:
        raise CacheError(f"the cached copy of asset {asset_id} was altered (SHA-256 {actual[:12]}…); {get}")
    return CachedAsset(chain_id, asset_id, license_id, path, sha, expires)


@dataclass(frozen=True)
class ContentCheck:
    """What is known of an asset's content on this computer (the asset page's badge)."""

    state: Literal["absent", "verified", "mismatch"]
    sha256: str = ""  # what the verified bytes hash to
    path: Path | None = None
    why: str = ""  # a mismatch, in words


def note_download(cache_root: Path, chain_id: int, got: Downloaded) -> None:
    """Note a download ``buying.download`` verified and saved outside the cache (the Downloads folder)."""
    entry = {
        "path": str(got.path), "license_id": got.license_id, "sha256": got.sha256, "size": got.size,
        "mtime_ns": got.path.stat().st_mtime_ns,
    }  # fmt: skip
    folder = asset_folder(cache_root, chain_id, got.asset_id)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / NOTED, json.dumps(entry, sort_keys=True), mode=0o600)


def _copies(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The verified copies recorded for an asset: the cache's content and a noted download."""
    found = []
    for name in (RECORD, NOTED):
        try:
            entry = safe_json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # no record (or an unreadable one) vouches for nothing
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            continue
        if name == RECORD:
            found.append((folder / CONTENT, entry))
        elif isinstance(entry.get("path"), str):
            found.append((Path(entry["path"]), entry))
    return found


def content_check(cache_root: Path, chain_id: int, asset_id: int, published: str | None) -> ContentCheck:
    """Whether this computer holds the asset's content as verified bytes; ``published`` is the
    SHA-256 its metadata publishes now (None when unknown). Hashes a copy that changed since."""
    verified: ContentCheck | None = None
    for path, entry in _copies(asset_folder(cache_root, chain_id, asset_id)):
        try:
            stat = path.stat()
            unchanged = stat.st_size == entry.get("size") and stat.st_mtime_ns == entry.get("mtime_ns")
            actual = entry["sha256"] if unchanged else file_digest(path)[0]
        except OSError:
            continue  # deleted (or unreadable) since: not on this computer
        if actual != entry["sha256"]:
            return ContentCheck("mismatch", actual, path, f"{path} was changed after it was verified")
        if published is not None and actual != published:
            why = f"{path} is not the content the asset publishes now (SHA-256 {published[:12]}…)"
            return ContentCheck("mismatch", actual, path, why)
        verified = verified or ContentCheck("verified", actual, path)
    return verified or ContentCheck("absent")


def files_and_content(
    store: BlobStore, metadata_cid: str, fetched: bool, cache: Path | None, chain_id: int, asset_id: int
) -> tuple[AssetMetadata | None, str, ContentCheck]:
    """What an asset page's Files tab shows: the metadata (when the catalogue ``fetched`` it), why
    it could not be read, and the content's ``content_check`` (absent without a ``cache``)."""
    meta, problem = None, ""
    if fetched:
        try:
            meta = load_metadata(store, metadata_cid)
        except AssetMetadataError as exc:
            problem = str(exc)
    published = meta.content.sha256 if meta is not None and meta.content is not None else None
    check = ContentCheck("absent") if cache is None else content_check(cache, chain_id, asset_id, published)
    return meta, problem, check
