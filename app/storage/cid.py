"""Content identifiers: CIDv1 with a sha2-256 multihash, raw or dag-pb codec, base32 text.

Only this narrow slice of the CID spec is accepted, on purpose: CIDs arrive from the chain, from
users and from remote servers, and every one is parsed here before it reaches a file path or a
URL. A fixed alphabet and a fixed length leave no room for path tricks or oversized input, and a
single hash function means "verified" always means the same thing.

Binary CIDs inside dag-pb links may also be CIDv0 (a bare sha2-256 multihash, always dag-pb),
which older IPFS tools write; they are read as the equivalent CIDv1, which names the same block.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from app.storage.errors import InvalidCid

RAW = 0x55
DAG_PB = 0x70
SHA2_256 = 0x12
DIGEST_SIZE = 32
_CODECS = (RAW, DAG_PB)
# "b" (base32 multibase) + 58 characters for 36 bytes: version, codec, hash code, length, digest.
_TEXT = re.compile(r"b[a-z2-7]{58}")
_TO_INT_BASE32 = str.maketrans("abcdefghijklmnopqrstuvwxyz234567", "0123456789abcdefghijklmnopqrstuv")


@dataclass(frozen=True, slots=True)
class Cid:
    codec: int
    digest: bytes

    def __post_init__(self) -> None:
        if self.codec not in _CODECS:
            raise InvalidCid(f"codec 0x{self.codec:x} is not supported (only raw and dag-pb)")
        if len(self.digest) != DIGEST_SIZE:
            raise InvalidCid("a sha2-256 digest is 32 bytes")

    @classmethod
    def parse(cls, text: str) -> Cid:
        """Parse the base32 text form ("bafk…" / "bafy…"); anything else raises ``InvalidCid``."""
        if not isinstance(text, str) or not _TEXT.fullmatch(text):
            shown = text if isinstance(text, str) and len(text) <= 80 else f"{str(text)[:80]}…"
            raise InvalidCid(f"{shown!r} is not a CIDv1 in base32 (it should look like 'bafkrei…')")
        # 58 base32 digits are 290 bits for 288: int() reads them in C once mapped onto its alphabet.
        number = int(text[1:].translate(_TO_INT_BASE32), 32)
        if number & 3:  # non-zero padding bits would give a second spelling of the same CID
            raise InvalidCid(f"{text!r} is not in canonical form")
        return cls.from_bytes((number >> 2).to_bytes(4 + DIGEST_SIZE, "big"))

    @classmethod
    def from_bytes(cls, data: bytes) -> Cid:
        """Parse a binary CID as found in dag-pb links: CIDv1, or CIDv0 (a bare sha2-256 multihash)."""
        if len(data) == 2 + DIGEST_SIZE and data[0] == SHA2_256 and data[1] == DIGEST_SIZE:
            return cls(DAG_PB, bytes(data[2:]))
        if len(data) != 4 + DIGEST_SIZE or data[0] != 1:
            raise InvalidCid("not a CIDv1 with a sha2-256 multihash")
        if data[2] != SHA2_256 or data[3] != DIGEST_SIZE:
            raise InvalidCid("only sha2-256 multihashes are accepted")
        return cls(data[1], bytes(data[4:]))

    @classmethod
    def of_block(cls, codec: int, block: bytes | memoryview) -> Cid:
        return cls(codec, hashlib.sha256(block).digest())

    def to_bytes(self) -> bytes:
        return bytes((1, self.codec, SHA2_256, DIGEST_SIZE)) + self.digest

    def matches(self, block: bytes | memoryview) -> bool:
        """Whether ``block`` is the block this CID names (its sha2-256 digest is ours)."""
        return hashlib.sha256(block).digest() == self.digest

    def __str__(self) -> str:
        return "b" + base64.b32encode(self.to_bytes()).decode("ascii").rstrip("=").lower()


def as_cid(value: Cid | str) -> Cid:
    """Accept a ``Cid`` or its text: the one place public APIs turn user input into a CID."""
    return value if isinstance(value, Cid) else Cid.parse(value)
