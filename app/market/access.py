"""The buyer's side of a license: from a license id to the asset's plaintext on disk.

The chain says everything needed, and every step is checked rather than trusted:

1. the license must be valid for the holder (delivered, not expired, held by them), since that is
   what the buyer paid for; a pending, refunded or expired license gets a message saying which;
2. its ``KeyDelivered`` event names the wrapped-key blob (the seller recorded its CID); the
   event's asset must be the license's asset;
3. the wrapped key is fetched (the store verifies it against its CID) and opened with the
   holder's encryption private key: a key wrapped to someone else fails here;
4. the asset's registered content CID is fetched, verified chunk by chunk, and decrypted with the
   content key, which must match the content header's key commitment before anything is released;
5. the plaintext is written through ``save_stream``: a temp file renamed into place only when the
   last segment authenticated, so a failure anywhere leaves no file, not a partial one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.market import licenses, wrapped_key
from app.market.catalog.journal import Journal
from app.market.licenses import LicenseStatus
from app.storage import (
    BlobStore,
    BlobTooLarge,
    Cid,
    DecryptionError,
    InvalidCid,
    as_cid,
    read_limited,
    save_stream,
)
from app.storage.envelope import decrypt_with_key


class AccessError(RuntimeError):
    """The license does not (or not yet) give this account the content; the message says why."""


@dataclass(frozen=True)
class Accessed:
    license_id: int
    asset_id: int
    content_cid: str
    wrapped_key_cid: str
    size: int  # plaintext bytes written
    path: Path


def _when(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


async def _check_license(client: ChainClient, deployment: Deployment, license_id: int, holder: str) -> int:
    """The license's asset id, once the license is valid for ``holder``; ``AccessError`` otherwise."""
    record = await licenses.read_license(client, deployment, license_id)
    if record.status == LicenseStatus.NONE:
        raise AccessError(f"license {license_id} does not exist on this network")
    if record.status == LicenseStatus.PENDING:
        raise AccessError(
            f"the seller has not delivered the key of license {license_id} yet; if it is not delivered "
            f"by {_when(record.deadline)}, you can take a refund"
        )
    if record.status == LicenseStatus.REFUNDED:
        raise AccessError(f"license {license_id} was refunded; it gives no access")
    if record.status == LicenseStatus.DISPUTED:
        raise AccessError(f"license {license_id} is disputed; it gives no access until the arbiter rules")
    owner = await licenses.license_holder(client, deployment, license_id)
    if owner is None or owner.lower() != holder.lower():
        raise AccessError(f"license {license_id} is held by {owner}, not by {holder}")
    if not await licenses.is_valid_license(client, deployment, license_id, holder):
        raise AccessError(f"license {license_id} expired on {_when(record.expires_at)}")
    return await licenses.asset_of_license(client, deployment, license_id)


def _counted(pieces: Iterator[bytes], on_bytes: Callable[[int], None] | None) -> Iterator[bytes]:
    """``pieces`` as they are, telling ``on_bytes`` how many bytes have passed so far."""
    done = 0
    for piece in pieces:
        done += len(piece)
        if on_bytes is not None:
            on_bytes(done)
        yield piece


def _fetch_and_decrypt(
    store: BlobStore, wrapped_cid: Cid, content_cid: Cid, private_key: bytes, dest: Path,
    on_bytes: Callable[[int], None] | None = None,
) -> int:  # fmt: skip
    try:
        sealed = read_limited(store, wrapped_cid, wrapped_key.SIZE)  # never more of it than a key's size
    except BlobTooLarge as exc:
        raise DecryptionError(f"{wrapped_cid} is too large to be a delivered key: it is not one") from exc
    try:
        content_key = wrapped_key.open_sealed(sealed, private_key)
    except DecryptionError as exc:
        raise DecryptionError(
            f"the delivered key cannot be opened with this account's encryption key ({exc}); was the "
            "license bought with another account's key?"
        ) from exc
    return save_stream(_counted(decrypt_with_key(store.get(content_cid), content_key), on_bytes), dest)


async def fetch_licensed_content(
    client: ChainClient,
    deployment: Deployment,
    store: BlobStore,
    license_id: int,
    holder: str,
    encryption_private_key: bytes,
    dest: Path,
    *,
    on_bytes: Callable[[int], None] | None = None,
    journal: Journal | None = None,
) -> Accessed:
    """Decrypt the asset of ``license_id`` into ``dest`` for ``holder`` (the account that holds the
    license; ``encryption_private_key`` is its ``EncryptionKey.private_key``).

    Raises ``AccessError`` when the license gives no access (yet), ``ChainUnavailable`` when the
    network does not answer, and the store's ``StorageError`` subclasses for the bytes:
    ``BlobNotFound`` (not in this store: connect the IPFS node that has it), ``BlobCorrupt``
    (tampered; quarantined), ``DecryptionError`` (a key for someone else, a modified blob).
    ``dest`` is written all or nothing; its folder must exist. ``on_bytes(done)`` is called from
    the worker thread with the plaintext bytes decrypted so far (for a progress bar). The delivery
    is looked up in the catalogue's ``journal`` where it reaches, on the chain above it.
    """
    asset_id = await _check_license(client, deployment, license_id, holder)
    delivery = await licenses.find_delivery(client, deployment, license_id, journal=journal)
    if delivery is None:
        raise AccessError(f"license {license_id} is delivered, but no KeyDelivered event was found for it")
    if delivery.asset_id != asset_id:
        raise AccessError(
            f"the delivery of license {license_id} names asset {delivery.asset_id}, not {asset_id}"
        )
    try:
        wrapped_cid = as_cid(delivery.wrapped_key_cid)
    except InvalidCid as exc:
        raise AccessError(
            f"the seller recorded {delivery.wrapped_key_cid[:80]!r}, which is not a CID"
        ) from exc
    content_cid = await licenses.asset_content_cid(client, deployment, asset_id)
    size = await asyncio.to_thread(
        _fetch_and_decrypt, store, wrapped_cid, content_cid, encryption_private_key, dest, on_bytes
    )
    return Accessed(license_id, asset_id, str(content_cid), str(wrapped_cid), size, dest)
