"""The bytes of key delivery: publishing encrypted content, the delivered-key blob, and the buyer's
all-or-nothing decryption, without a chain."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from storage_contract import pseudo_random

from app.market import access, licenses, wrapped_key
from app.market.access import AccessError
from app.market.licenses import Delivery, LicenseRecord, LicenseStatus
from app.market.publish import encrypt_and_store
from app.storage import BlobCorrupt, DecryptionError, as_cid
from app.storage.envelope import decrypt, read_header
from app.storage.keywrap import BadPublicKey
from app.storage.local import LocalStore
from app.wallet.hd import encryption_key_from_mnemonic

PHRASE = "test test test test test test test test test test test junk"
SELLER = encryption_key_from_mnemonic(PHRASE, 0)
BUYER = encryption_key_from_mnemonic(PHRASE, 1)
OTHER = encryption_key_from_mnemonic(PHRASE, 2)
HOLDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "blobs")


@pytest.fixture
def published(store: LocalStore, tmp_path: Path) -> tuple[bytes, str]:
    data = pseudo_random(3 * 1024 * 1024 + 17)  # several segments and chunks
    source = tmp_path / "dataset.bin"
    source.write_bytes(data)
    return data, str(encrypt_and_store(store, source, SELLER.public_key))


def test_published_content_is_readable_by_its_owner_only(
    store: LocalStore, published: tuple[bytes, str]
) -> None:
    data, cid = published
    assert b"".join(decrypt(store.get(cid), SELLER.private_key)) == data
    with pytest.raises(DecryptionError):
        b"".join(decrypt(store.get(cid), BUYER.private_key))


def test_publish_accepts_hex_keys_and_extra_readers_and_refuses_bad_ones(
    store: LocalStore, tmp_path: Path
) -> None:
    source = tmp_path / "small.txt"
    source.write_bytes(b"hello")
    cid = encrypt_and_store(store, source, "0x" + SELLER.public_key.hex(), extra_readers=[OTHER.public_key])
    assert b"".join(decrypt(store.get(cid), OTHER.private_key)) == b"hello"
    with pytest.raises(BadPublicKey):
        encrypt_and_store(store, source, b"\x01" * 64)
    with pytest.raises(FileNotFoundError):
        encrypt_and_store(store, tmp_path / "missing.bin", SELLER.public_key)


def test_the_seller_rewraps_its_content_key_for_a_buyer(
    store: LocalStore, published: tuple[bytes, str]
) -> None:
    _, cid = published
    content_key = read_header(store.get(cid)).content_key(SELLER.private_key)
    blob = wrapped_key.seal(content_key, BUYER.public_key)
    assert len(blob) == wrapped_key.SIZE and blob.startswith(b"SAHK\x01")
    assert wrapped_key.open_sealed(blob, BUYER.private_key) == content_key
    with pytest.raises(DecryptionError):
        wrapped_key.open_sealed(blob, OTHER.private_key)
    for broken in (blob[:-1], b"XXXX" + blob[4:], blob[:4] + b"\x02" + blob[5:], blob + b"\0"):
        with pytest.raises(DecryptionError):
            wrapped_key.open_sealed(broken, BUYER.private_key)


def _deliver(store: LocalStore, cid: str, to: bytes = BUYER.public_key) -> Any:
    content_key = read_header(store.get(cid)).content_key(SELLER.private_key)
    return store.put([wrapped_key.seal(content_key, to)])


def test_the_buyer_gets_exactly_the_bytes(
    store: LocalStore, published: tuple[bytes, str], tmp_path: Path
) -> None:
    data, cid = published
    dest = tmp_path / "out.bin"
    size = access._fetch_and_decrypt(store, _deliver(store, cid), as_cid(cid), BUYER.private_key, dest)
    assert size == len(data) and dest.read_bytes() == data


def test_tampered_content_leaves_no_file_at_all(
    store: LocalStore, published: tuple[bytes, str], tmp_path: Path
) -> None:
    _, cid = published
    wrapped = _deliver(store, cid)
    (content,) = (store.root / "objects").glob(f"*/{cid}/content")
    raw = bytearray(content.read_bytes())
    raw[2 * 1024 * 1024 + 5] ^= 1  # a bit in the third chunk: the first two were already decrypted
    content.write_bytes(bytes(raw))
    dest = tmp_path / "out.bin"
    with pytest.raises(BlobCorrupt):
        access._fetch_and_decrypt(store, wrapped, as_cid(cid), BUYER.private_key, dest)
    assert list(tmp_path.glob("*out.bin*")) == []


def test_a_key_wrapped_to_someone_else_is_explained(
    store: LocalStore, published: tuple[bytes, str], tmp_path: Path
) -> None:
    _, cid = published
    dest = tmp_path / "out.bin"
    with pytest.raises(DecryptionError, match="another account"):
        access._fetch_and_decrypt(
            store, _deliver(store, cid, OTHER.public_key), as_cid(cid), BUYER.private_key, dest
        )
    not_a_key = store.put([b"x" * 10_000])
    with pytest.raises(DecryptionError, match="too large"):
        access._fetch_and_decrypt(store, not_a_key, as_cid(cid), BUYER.private_key, dest)
    assert not dest.exists()


@pytest.mark.parametrize(
    ("status", "holder", "valid", "message"),
    [
        (LicenseStatus.NONE, HOLDER, False, "does not exist"),
        (LicenseStatus.PENDING, HOLDER, False, "not delivered the key of license 5 yet"),
        (LicenseStatus.REFUNDED, None, False, "refunded"),
        (LicenseStatus.DISPUTED, HOLDER, False, "disputed"),
        (LicenseStatus.DELIVERED, "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", False, "held by"),
        (LicenseStatus.DELIVERED, HOLDER, False, "expired"),
    ],
)
def test_access_says_why_a_license_gives_no_content(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, status: LicenseStatus, holder: str | None, valid: bool,
    message: str,
) -> None:  # fmt: skip
    async def read_license(*_: Any) -> LicenseRecord:
        return LicenseRecord(5, 1, 1_900_000_000, 1_800_000_000, status, 250, 1, False)

    async def license_holder(*_: Any) -> str | None:
        return holder

    async def is_valid_license(*_: Any) -> bool:
        return valid

    async def find_delivery(*_: Any, **__: Any) -> Delivery | None:
        raise AssertionError("must not get this far")

    for name, fake in [("read_license", read_license), ("license_holder", license_holder),
                       ("is_valid_license", is_valid_license), ("find_delivery", find_delivery)]:  # fmt: skip
        monkeypatch.setattr(licenses, name, fake)
    call = access.fetch_licensed_content(None, None, None, 5, HOLDER, BUYER.private_key, tmp_path / "o")  # type: ignore[arg-type]
    with pytest.raises(AccessError, match=message):
        asyncio.run(call)
