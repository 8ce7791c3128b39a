"""Envelope encryption: round trips at every boundary, and tampering of any kind is caught."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from storage_contract import pieces_of, pseudo_random

from app.storage import DecryptionError
from app.storage.envelope import TAG_SIZE, decrypt, decrypt_with_key, encrypt, read_header
from app.storage.keywrap import BadPublicKey, parse_public_key, unwrap_key, wrap_key
from app.wallet.hd import encryption_key_from_mnemonic

PHRASE = "test test test test test test test test test test test junk"
ALICE = encryption_key_from_mnemonic(PHRASE, 0)
BOB = encryption_key_from_mnemonic(PHRASE, 1)
SEG = 32


def _seal(data: bytes, recipients=(ALICE.public_key,), segment_size: int = SEG) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(encrypt([data], list(recipients), segment_size=segment_size))


def _open(sealed: bytes, key: bytes = ALICE.private_key) -> bytes:
    return b"".join(decrypt(pieces_of(sealed, 7) if sealed else [], key))


def _segments(sealed: bytes) -> tuple[bytes, list[bytes]]:
    header = read_header([sealed]).raw
    body = sealed[len(header) :]
    return header, [body[i : i + SEG + TAG_SIZE] for i in range(0, len(body), SEG + TAG_SIZE)]


@settings(max_examples=80, deadline=None)
@given(
    size=st.one_of(
        st.sampled_from([0, 1, SEG - 1, SEG, SEG + 1, 2 * SEG, 5 * SEG + 3]), st.integers(0, 20 * SEG)
    ),
    piece=st.integers(1, 3 * SEG),
)
def test_round_trip_at_segment_boundaries(size: int, piece: int) -> None:
    data = pseudo_random(size, seed=size)
    sealed = b"".join(encrypt(pieces_of(data, piece), [ALICE.public_key], segment_size=SEG))
    assert len(sealed) == len(read_header([sealed]).raw) + size + TAG_SIZE * max(1, -(-size // SEG))
    assert b"".join(decrypt(pieces_of(sealed, piece), ALICE.private_key)) == data


def test_default_segments_and_a_fresh_key_every_time() -> None:
    data = pseudo_random(3 * 1024 * 1024 + 5)
    first, second = _seal(data, segment_size=1024 * 1024), _seal(data, segment_size=1024 * 1024)
    assert first != second
    assert read_header([first]).content_key(ALICE.private_key) != read_header([second]).content_key(
        ALICE.private_key
    )
    assert _open(first) == data


def test_several_recipients_and_a_stranger() -> None:
    sealed = _seal(b"labels for the requester", (BOB.public_key, ALICE.public_key))
    assert _open(sealed, ALICE.private_key) == _open(sealed, BOB.private_key) == b"labels for the requester"
    stranger = encryption_key_from_mnemonic(PHRASE, 2)
    with pytest.raises(DecryptionError, match="not encrypted to your key"):
        _open(sealed, stranger.private_key)


def test_delivered_content_key() -> None:
    sealed = _seal(pseudo_random(100))
    key = read_header([sealed]).content_key(ALICE.private_key)
    for_bob = wrap_key(key, BOB.public_key)  # what key delivery will do for a licensee
    assert b"".join(decrypt_with_key([sealed], unwrap_key(for_bob, BOB.private_key))) == pseudo_random(100)
    with pytest.raises(DecryptionError, match="not the key"):
        decrypt_with_key([sealed], bytes(32))


def test_every_single_bit_flip_is_detected() -> None:
    data = pseudo_random(2 * SEG + 5)
    sealed = _seal(data)
    for bit in range(len(sealed) * 8):
        tampered = bytearray(sealed)
        tampered[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(DecryptionError):
            _open(bytes(tampered))


def test_truncation_at_every_length_is_detected() -> None:
    sealed = _seal(pseudo_random(3 * SEG))
    for length in range(len(sealed)):
        with pytest.raises(DecryptionError):
            _open(sealed[:length])


def test_reordered_dropped_duplicated_and_appended_segments_are_detected() -> None:
    header, segments = _segments(_seal(pseudo_random(4 * SEG + 1)))
    assert len(segments) == 5
    variants = [
        segments[1:2] + segments[:1] + segments[2:],  # swap the first two
        segments[:-2] + segments[-1:] + segments[-2:-1],  # final segment not last
        segments[:2] + segments[3:],  # drop one in the middle
        segments[:-1],  # drop the final segment (ends on a boundary)
        segments + segments[-1:],  # final segment twice
        [*segments, b"\x00" * (SEG + TAG_SIZE)],  # extended
        [*segments, b"x"],  # one byte of trailing garbage
        segments[:2] + segments[1:],  # a segment replayed
    ]
    for variant in variants:
        with pytest.raises(DecryptionError):
            _open(header + b"".join(variant))


def test_segments_do_not_move_between_blobs_with_the_same_key() -> None:
    one, two = _seal(pseudo_random(2 * SEG, seed=1)), _seal(pseudo_random(2 * SEG, seed=2))
    header_one, segments_one = _segments(one)
    _header_two, segments_two = _segments(two)
    with pytest.raises(DecryptionError):
        _open(header_one + segments_two[0] + segments_one[1])


def test_header_problems_have_clear_messages() -> None:
    with pytest.raises(DecryptionError, match="not an encrypted Sahara blob"):
        _open(b"plain text, never encrypted")
    sealed = bytearray(_seal(b"x"))
    sealed[4] = 9
    with pytest.raises(DecryptionError, match="version 9"):
        _open(bytes(sealed))
    sealed = bytearray(_seal(b"x"))
    struct.pack_into(">I", sealed, 5, 1 << 30)
    with pytest.raises(DecryptionError, match="damaged"):
        _open(bytes(sealed))


def test_public_keys_in_every_usual_spelling() -> None:
    raw = ALICE.public_key
    compressed = bytes([2 + (raw[-1] & 1)]) + raw[:32]
    for spelling in (raw.hex(), "0x" + raw.hex(), "04" + raw.hex(), compressed.hex(), raw):
        assert parse_public_key(spelling) == raw
    for bad in ("", "zz", "00" * 64, raw.hex()[:-2], "02" + "ff" * 32):
        with pytest.raises(BadPublicKey):
            parse_public_key(bad)


def test_encrypt_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        _seal(b"x", recipients=())
    with pytest.raises(ValueError):
        _seal(b"x", segment_size=0)
