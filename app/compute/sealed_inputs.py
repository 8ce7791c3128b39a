"""Sealed job inputs: a job's dataset or input batch, readable only by the providers that took it.

A job's ``inputCid`` is public (it is in ``JobPosted``), so for a sealed job it names a small plain
*manifest* instead of the inputs:

    {"format": "sahara-sealed-inputs", "version": 1,
     "envelope": "<CID of the inputs, encrypted (envelope.py) to the requester's own key>",
     "sha256": "<hex of the plain inputs>", "bytes": <their length>}

The manifest is bound to the job by the spec hash on chain, so it is the requester's promise of
which plain bytes the provider will get; a worker checks its size before accepting and the hash
after decrypting. The envelope's content key is fresh per job and stored nowhere: the requester
is a reader of its own envelope (as a seller is of its asset, ``app.workers.content_keys``), and
after a provider accepts, the requester's app takes the key from the envelope's header and posts
it wrapped to that provider's encryption key (``app.market.wrapped_key``) with
``ComputeMarket.deliverInputKey``. A provider reads its encryption public key from the provider's
spec (``spec_body``), which only the provider's own account can register.

Who can read the inputs: the requester, each provider it delivered a key to, and, if the requester
challenges a result, whoever reads the challenge (the key is disclosed there for the arbiter's
re-run, as the result is: ``requester.challenge``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from app import safe_json
from app.market import wrapped_key
from app.storage import BlobStore, DecryptionError, InvalidCid, as_cid
from app.storage.envelope import decrypt_with_key, encrypt
from app.storage.keywrap import BadPublicKey, parse_public_key

FORMAT = "sahara-sealed-inputs"
VERSION = 1
MAX_MANIFEST_BYTES = 4096


class SealedInputsError(ValueError):
    """A sealed job's manifest, key or inputs do not hold up; the message says why in words."""


@dataclass(frozen=True)
class Manifest:
    envelope: str
    sha256: bytes
    size: int


def seal(store: BlobStore, plain: bytes, requester_public_key: bytes) -> str:
    """Store ``plain`` encrypted to the requester's own key and its manifest; the manifest's CID
    (the job's ``inputCid``)."""
    envelope = store.put(encrypt([plain], [requester_public_key]))
    body = {
        "format": FORMAT,
        "version": VERSION,
        "envelope": str(envelope),
        "sha256": hashlib.sha256(plain).hexdigest(),
        "bytes": len(plain),
    }
    return str(store.put([json.dumps(body, sort_keys=True).encode()]))


def parse_manifest(blob: bytes) -> Manifest | None:
    """The manifest in ``blob``; None when the blob is plain inputs (no JSON object of this format);
    ``SealedInputsError`` for a manifest that is malformed."""
    if not blob.startswith(b"{") or len(blob) > MAX_MANIFEST_BYTES:
        return None
    try:
        body = safe_json.loads(blob.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        return None
    if body.get("version") != VERSION:
        raise SealedInputsError(f"sealed-inputs format version {body.get('version')!r} is not supported")
    try:
        envelope, digest, size = str(as_cid(body["envelope"])), bytes.fromhex(body["sha256"]), body["bytes"]
    except (KeyError, TypeError, ValueError, InvalidCid) as exc:
        raise SealedInputsError(f"the sealed-inputs manifest is malformed: {exc}") from exc
    if len(digest) != 32 or not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise SealedInputsError("the sealed-inputs manifest's hash or size is not valid")
    return Manifest(envelope, digest, size)


def wrap_for(content_key: bytes, provider_public_key: bytes) -> bytes:
    """What ``deliverInputKey`` posts: the content key wrapped to the provider's encryption key."""
    return wrapped_key.seal(content_key, provider_public_key)


def open_inputs(pieces: Iterable[bytes], manifest: Manifest, sealed_key: bytes, private_key: bytes) -> bytes:
    """The plain inputs for a provider: unwrap the delivered key with its encryption key, then
    ``open_with_key``."""
    try:
        content_key = wrapped_key.open_sealed(sealed_key, private_key)
    except DecryptionError as exc:
        raise SealedInputsError(f"the delivered key does not open for this worker: {exc}") from exc
    return open_with_key(pieces, manifest, content_key)


def open_with_key(pieces: Iterable[bytes], manifest: Manifest, content_key: bytes) -> bytes:
    """Decrypt the envelope (the key must match its commitment) and check the size and hash the
    manifest promised."""
    try:
        plain, size = [], 0
        for piece in decrypt_with_key(pieces, content_key):
            size += len(piece)
            if size > manifest.size:
                raise SealedInputsError("the sealed inputs are longer than their manifest says")
            plain.append(piece)
    except DecryptionError as exc:
        raise SealedInputsError(f"the sealed inputs do not decrypt with this key: {exc}") from exc
    data = b"".join(plain)
    if len(data) != manifest.size or hashlib.sha256(data).digest() != manifest.sha256:
        raise SealedInputsError("the decrypted inputs are not the ones the job's manifest promised")
    return data


def spec_public_key(spec: bytes) -> bytes:
    """A provider's encryption public key from its registered spec (``SealedInputsError`` in words
    when the spec names none: a worker of an older app, which cannot take sealed jobs)."""
    try:
        body = safe_json.loads(spec.decode("utf-8"))
        return parse_public_key(str(body["encryptionKey"]))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, BadPublicKey) as exc:
        raise SealedInputsError(f"the provider's spec names no usable encryption key: {exc}") from exc
