"""Envelope encryption of a blob: a fresh AES-256-GCM content key, wrapped to its readers.

Format version 1 (all integers big-endian; docs/storage.md has the full description):

    header   "SAHE" | version 0x01 | segment size u32 | nonce prefix (7 random bytes)
             | key commitment (32) | n u8 | n x (length u16 | ECIES-wrapped content key)
    segments AES-256-GCM(content key, nonce = prefix | index u32 | final u8,
                         plaintext segment, associated data = the whole header)

The plaintext is cut into segments of ``segment size`` bytes (the last one may be shorter, or
empty for empty input), each sealed on its own so that gigabytes stream through in constant
memory and a reader never releases bytes it has not authenticated. The segment's index and a
final-segment flag are part of its nonce, so reordering, dropping, truncating or appending
segments makes a tag fail; the header is the associated data of every segment, so changing it
(the segment size, a wrapped key) fails too. AES-GCM alone does not commit to its key; the
commitment, a hash of the content key, makes a key that opens one recipient's wrap but was
crafted to decrypt the content differently for another impossible to pass off.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.storage.errors import DecryptionError
from app.storage.keywrap import KEY_SIZE, unwrap_key, wrap_key
from app.storage.layout import rechunk

MAGIC = b"SAHE"
VERSION = 1
SEGMENT_SIZE = 1024 * 1024
MAX_SEGMENT_SIZE = 16 * 1024 * 1024  # bounds a reader's memory whatever a header claims
TAG_SIZE = 16
_PREFIX_SIZE = 7
_FIXED = struct.Struct(">4sBI7s32sB")  # magic, version, segment size, nonce prefix, commitment, n
_COMMIT_DOMAIN = b"sahara/envelope/v1/key-commitment"


def _commitment(content_key: bytes) -> bytes:
    return hashlib.sha256(_COMMIT_DOMAIN + content_key).digest()


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    if index >= 2**32:
        raise ValueError("too many segments for one envelope")
    return prefix + struct.pack(">IB", index, final)


@dataclass(frozen=True)
class Header:
    """A parsed envelope header; ``raw`` is authenticated as every segment's associated data."""

    segment_size: int
    nonce_prefix: bytes
    commitment: bytes
    wrapped_keys: tuple[bytes, ...]
    raw: bytes

    def content_key(self, private_key: bytes) -> bytes:
        """Unwrap the content key with the reader's private encryption key (tries every wrap)."""
        for wrapped in self.wrapped_keys:
            try:
                key = unwrap_key(wrapped, private_key)
            except DecryptionError:
                continue
            if hmac.compare_digest(_commitment(key), self.commitment):
                return key
        raise DecryptionError("this blob was not encrypted to your key")


def _build_header(content_key: bytes, recipients: Sequence[bytes], segment_size: int) -> Header:
    if not 1 <= len(recipients) <= 255:
        raise ValueError("encrypt to between 1 and 255 recipients")
    if not 1 <= segment_size <= MAX_SEGMENT_SIZE:
        raise ValueError(f"segment size must be 1..{MAX_SEGMENT_SIZE}")
    prefix = os.urandom(_PREFIX_SIZE)
    wraps = tuple(wrap_key(content_key, public_key) for public_key in recipients)
    raw = _FIXED.pack(MAGIC, VERSION, segment_size, prefix, _commitment(content_key), len(wraps))
    raw += b"".join(struct.pack(">H", len(w)) + w for w in wraps)
    return Header(segment_size, prefix, _commitment(content_key), wraps, raw)


def encrypt(
    plaintext: Iterable[bytes], recipients: Sequence[bytes], *, segment_size: int = SEGMENT_SIZE
) -> Iterator[bytes]:
    """Encrypt a stream to the given encryption public keys; yields the header, then segments.

    A new random content key is made for every call: one key per asset, never reused.
    """
    content_key = AESGCM.generate_key(bit_length=256)
    header = _build_header(content_key, recipients, segment_size)
    aead = AESGCM(content_key)
    yield header.raw
    segments = rechunk(plaintext, segment_size)
    current = next(segments)
    index = 0
    for following in segments:
        yield aead.encrypt(_nonce(header.nonce_prefix, index, False), current, header.raw)
        current, index = following, index + 1
    yield aead.encrypt(_nonce(header.nonce_prefix, index, True), current, header.raw)


class _Reader:
    """Exact-length reads over an iterable of byte pieces."""

    def __init__(self, pieces: Iterable[bytes]) -> None:
        self._pieces = iter(pieces)
        self._buffer = bytearray()

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes; fewer only at the end of the stream."""
        while len(self._buffer) < size:
            piece = next(self._pieces, None)
            if piece is None:
                break
            self._buffer += piece
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out


def _read_header(reader: _Reader) -> Header:
    fixed = reader.read(_FIXED.size)
    if len(fixed) < _FIXED.size or fixed[:4] != MAGIC:
        raise DecryptionError("this is not an encrypted Sahara blob")
    _magic, version, segment_size, prefix, commitment, count = _FIXED.unpack(fixed)
    if version != VERSION:
        raise DecryptionError(f"encryption format version {version} is not supported by this app")
    if not 1 <= segment_size <= MAX_SEGMENT_SIZE or count == 0:
        raise DecryptionError("the encryption header is damaged")
    raw, wraps = bytearray(fixed), []
    for _ in range(count):
        length_bytes = reader.read(2)
        wrapped = reader.read(struct.unpack(">H", length_bytes)[0]) if len(length_bytes) == 2 else b""
        if not wrapped:
            raise DecryptionError("the encryption header is truncated")
        raw += length_bytes + wrapped
        wraps.append(wrapped)
    return Header(segment_size, prefix, commitment, tuple(wraps), bytes(raw))


def read_header(ciphertext: Iterable[bytes]) -> Header:
    """Just the header: what key delivery needs to unwrap a content key and wrap it for a buyer."""
    return _read_header(_Reader(ciphertext))


def decrypt(ciphertext: Iterable[bytes], private_key: bytes) -> Iterator[bytes]:
    """Decrypt with the reader's private encryption key (app/wallet/hd.py ``EncryptionKey``)."""
    reader = _Reader(ciphertext)
    header = _read_header(reader)
    return _segments(reader, header, header.content_key(private_key))


def decrypt_with_key(ciphertext: Iterable[bytes], content_key: bytes) -> Iterator[bytes]:
    """Decrypt with a content key delivered separately (e.g. re-wrapped for a licensee)."""
    reader = _Reader(ciphertext)
    header = _read_header(reader)
    if len(content_key) != KEY_SIZE or not hmac.compare_digest(_commitment(content_key), header.commitment):
        raise DecryptionError("this is not the key of this blob")
    return _segments(reader, header, content_key)


def _segments(reader: _Reader, header: Header, content_key: bytes) -> Iterator[bytes]:
    """Yield authenticated plaintext segments; a segment that fails raises before it is released.

    Bytes already yielded came from segments that verified, but the stream as a whole is only
    known complete when the generator finishes: callers writing a file must discard it on error
    (store.save_stream does).
    """
    aead = AESGCM(content_key)
    sealed_size = header.segment_size + TAG_SIZE
    current = reader.read(sealed_size)
    index = 0
    while True:
        following = reader.read(sealed_size) if len(current) == sealed_size else b""
        final = not following
        try:
            plain = aead.decrypt(_nonce(header.nonce_prefix, index, final), current, header.raw)
        except InvalidTag:
            raise DecryptionError(
                f"segment {index} failed authentication: the blob was modified, truncated, "
                "reordered or extended"
            ) from None
        yield plain
        if final:
            return
        current, index = following, index + 1
