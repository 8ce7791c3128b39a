"""The two protobuf messages of a UnixFS file: dag-pb's PBNode and UnixFS's Data, by hand.

Only a few fields matter and the encoding must be byte-exact with other IPFS implementations
(the CID of a node is the hash of these bytes), so a 100-line codec beats a protobuf dependency
with generated code. Decoding is strict about structure (lengths inside the buffer, known wire
types, sane counts) because nodes come from remote servers; unknown fields are skipped, as
protobuf requires.

Field numbers (from the dag-pb and UnixFS specs):
    PBNode { 2: repeated PBLink Links; 1: bytes Data }   -- Links are written first (canonical)
    PBLink { 1: bytes Hash; 2: string Name; 3: uint64 Tsize }
    Data   { 1: Type; 2: bytes Data; 3: uint64 filesize; 4: repeated uint64 blocksizes; ... }
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from app.storage.cid import Cid
from app.storage.errors import InvalidCid

UNIXFS_RAW = 0
UNIXFS_FILE = 2
MAX_LINKS_DECODED = 10_000  # a 2 MiB block holds ~45,000 minimal links; real files use 174


class MalformedNode(ValueError):
    """Bytes that hash correctly but are not a well-formed dag-pb / UnixFS file node."""


@dataclass(frozen=True)
class Link:
    cid: Cid
    tsize: int  # cumulative size of the linked block and everything below it


@dataclass
class UnixFsData:
    type: int
    data: bytes = b""
    filesize: int | None = None
    blocksizes: list[int] = field(default_factory=list)


@dataclass
class FileNode:
    links: list[Link]
    unixfs: UnixFsData


def varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def encode_file_node(links: list[Link], blocksizes: list[int]) -> bytes:
    """A UnixFS file node over ``links`` (children in order) with their file sizes."""
    out = bytearray()
    for link in links:
        out += _field(2, _field(1, link.cid.to_bytes()) + _field(2, b"") + b"\x18" + varint(link.tsize))
    data = b"\x08" + varint(UNIXFS_FILE) + b"\x18" + varint(sum(blocksizes))
    data += b"".join(b"\x20" + varint(size) for size in blocksizes)
    return bytes(out + _field(1, data))


def _read_varint(buf: memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise MalformedNode("truncated or overlong varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(buf: memoryview) -> Iterator[tuple[int, int | memoryview]]:
    """Yield (field number, value): an int for varints, a view of the payload for bytes fields."""
    pos = 0
    while pos < len(buf):
        key, pos = _read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(buf, pos)
            yield number, value
        elif wire == 2:
            length, pos = _read_varint(buf, pos)
            if pos + length > len(buf):
                raise MalformedNode("a field runs past the end of the block")
            yield number, buf[pos : pos + length]
            pos += length
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
            if pos > len(buf):
                raise MalformedNode("a field runs past the end of the block")
        else:
            raise MalformedNode(f"unsupported protobuf wire type {wire}")


def _decode_link(buf: memoryview) -> Link:
    cid: Cid | None = None
    tsize = 0
    for number, value in _fields(buf):
        if number == 1 and isinstance(value, memoryview):
            try:
                cid = Cid.from_bytes(bytes(value))
            except InvalidCid as exc:
                raise MalformedNode(f"a link has an unsupported CID: {exc}") from exc
        elif number == 3 and isinstance(value, int):
            tsize = value
    if cid is None:
        raise MalformedNode("a link has no hash")
    return Link(cid, tsize)


def _decode_unixfs(buf: memoryview) -> UnixFsData:
    result = UnixFsData(type=-1)
    for number, value in _fields(buf):
        if isinstance(value, int):
            if number == 1:
                result.type = value
            elif number == 3:
                result.filesize = value
            elif number == 4:
                result.blocksizes.append(value)
        elif number == 2:
            result.data = bytes(value)
        elif number == 4:  # packed encoding, which some writers use
            pos = 0
            while pos < len(value):
                size, pos = _read_varint(value, pos)
                result.blocksizes.append(size)
    return result


def decode_file_node(block: bytes) -> FileNode:
    """Parse a dag-pb block that must be a UnixFS file (or raw) node; anything else raises."""
    links: list[Link] = []
    data: memoryview | None = None
    for number, value in _fields(memoryview(block)):
        if number == 2 and isinstance(value, memoryview):
            if len(links) >= MAX_LINKS_DECODED:
                raise MalformedNode("too many links")
            links.append(_decode_link(value))
        elif number == 1 and isinstance(value, memoryview):
            data = value
    if data is None:
        raise MalformedNode("a dag-pb node without UnixFS data is not a file")
    unixfs = _decode_unixfs(data)
    if unixfs.type not in (UNIXFS_FILE, UNIXFS_RAW):
        raise MalformedNode(f"UnixFS type {unixfs.type} is not a file (a directory or symlink?)")
    if unixfs.blocksizes and len(unixfs.blocksizes) != len(links):
        raise MalformedNode("the node lists a different number of block sizes than links")
    return FileNode(links, unixfs)
