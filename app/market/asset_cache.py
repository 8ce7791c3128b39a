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
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from app import safe_json
from app.fileio import atomic_write_text
from app.market import licenses
from app.market.buying import download
from app.market.context import MarketContext
from app.market.my_licenses import my_licenses

CONTENT, RECORD = "content", "license.json"


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while piece := fh.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


async def fetch_into_cache(ctx: MarketContext, asset_id: int, cache_root: Path) -> CachedAsset:
    """Download and decrypt ``asset_id`` through the active account's license into the cache."""
    license_id = await usable_license(ctx, asset_id)
    record = await licenses.read_license(ctx.client, ctx.deployment, license_id)
    folder = asset_folder(cache_root, ctx.chain_id, asset_id)
    got = await download(ctx, license_id, folder / CONTENT, wait_s=0)
    entry = {
        "chain_id": ctx.chain_id, "asset_id": asset_id, "license_id": license_id, "holder": ctx.account,
        "expires_at": record.expires_at, "sha256": got.sha256, "size": got.size,
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
        actual = _sha256(path)
    except OSError:
        raise CacheError(f"asset {asset_id} is not downloaded; {get}") from None
    if actual != sha:
        raise CacheError(f"the cached copy of asset {asset_id} was altered (SHA-256 {actual[:12]}…); {get}")
    return CachedAsset(chain_id, asset_id, license_id, path, sha, expires)
