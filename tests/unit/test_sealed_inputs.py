"""Sealed job inputs: a manifest that names the envelope and promises the plain bytes; each way to
cheat a worker (wrong key, other bytes, a swapped envelope, a malformed manifest) is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.compute.sealed_inputs import (
    SealedInputsError,
    open_inputs,
    parse_manifest,
    seal,
    spec_public_key,
    wrap_for,
)
from app.storage.envelope import read_header
from app.storage.local import LocalStore
from app.wallet.hd import encryption_key_from_private_key

REQUESTER = encryption_key_from_private_key(b"\x01" * 32)
WORKER = encryption_key_from_private_key(b"\x02" * 32)
SNOOP = encryption_key_from_private_key(b"\x03" * 32)
PLAIN = b"\x93NUMPY" + bytes(range(256)) * 40


def sealed(tmp_path: Path) -> tuple[LocalStore, str]:
    store = LocalStore(tmp_path / "blobs")
    return store, seal(store, PLAIN, REQUESTER.public_key)


def key_for(store: LocalStore, cid: str, public_key: bytes) -> bytes:
    manifest = parse_manifest(b"".join(store.get(cid)))
    assert manifest is not None
    content_key = read_header(store.get(manifest.envelope)).content_key(REQUESTER.private_key)
    return wrap_for(content_key, public_key)


def test_the_accepting_worker_opens_what_was_promised(tmp_path: Path) -> None:
    store, cid = sealed(tmp_path)
    manifest = parse_manifest(b"".join(store.get(cid)))
    assert manifest is not None and manifest.size == len(PLAIN)
    assert PLAIN[10:200] not in b"".join(store.get(manifest.envelope))
    opened = open_inputs(store.get(manifest.envelope), manifest, key_for(store, cid, WORKER.public_key),
                         WORKER.private_key)  # fmt: skip
    assert opened == PLAIN


def test_attack_another_worker_cannot_open_the_delivered_key(tmp_path: Path) -> None:
    store, cid = sealed(tmp_path)
    manifest = parse_manifest(b"".join(store.get(cid)))
    assert manifest is not None
    with pytest.raises(SealedInputsError, match="does not open for this worker"):
        open_inputs(store.get(manifest.envelope), manifest, key_for(store, cid, WORKER.public_key),
                    SNOOP.private_key)  # fmt: skip


def test_attack_other_bytes_than_promised_are_refused(tmp_path: Path) -> None:
    """A requester that promises one hash and seals other bytes (or swaps the envelope) is caught."""
    store, cid = sealed(tmp_path)
    manifest = parse_manifest(b"".join(store.get(cid)))
    assert manifest is not None
    other = seal(store, PLAIN[:-1] + b"x", REQUESTER.public_key)
    other_manifest = parse_manifest(b"".join(store.get(other)))
    assert other_manifest is not None
    key = key_for(store, other, WORKER.public_key)
    with pytest.raises(SealedInputsError, match="not the ones the job's manifest promised"):
        open_inputs(store.get(other_manifest.envelope), manifest, key, WORKER.private_key)
    with pytest.raises(SealedInputsError, match="do not decrypt with this key"):
        open_inputs(store.get(manifest.envelope), manifest, key, WORKER.private_key)


def test_manifests_plain_inputs_and_malformed_ones(tmp_path: Path) -> None:
    assert parse_manifest(PLAIN) is None and parse_manifest(b'{"a": 1}') is None
    body = {"format": "sahara-sealed-inputs", "version": 1, "envelope": "nope", "sha256": "00", "bytes": 1}
    with pytest.raises(SealedInputsError, match="malformed"):
        parse_manifest(json.dumps(body).encode())
    with pytest.raises(SealedInputsError, match="version"):
        parse_manifest(json.dumps({**body, "version": 9}).encode())


def test_a_spec_without_a_key_says_so() -> None:
    spec = json.dumps({"kinds": ["CPU"], "encryptionKey": "0x" + WORKER.public_key.hex()}).encode()
    assert spec_public_key(spec) == WORKER.public_key
    with pytest.raises(SealedInputsError, match="no usable encryption key"):
        spec_public_key(b'{"kinds": ["CPU"]}')
