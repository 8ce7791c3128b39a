"""How a blob's bytes become one CID: the UnixFS layout that IPFS itself uses.

Content is cut into fixed 1 MiB chunks; each chunk is a raw block (CIDv1, codec raw). One chunk
is the whole blob: its CID is simply CIDv1(raw, sha2-256(bytes)). More chunks hang under a
balanced tree of dag-pb UnixFS file nodes with at most 174 links each, the root's CID naming the
blob. These are exactly the rules of ``ipfs add --cid-version 1 --raw-leaves --chunker
size-1048576`` (Kubo's defaults otherwise; Helia with the same options agrees), so a blob put
here and the same file added to any IPFS node get the same CID, and anyone can fetch it from IPFS
by the CID we record on-chain. See docs/storage.md for why this layout.

The builder is streaming: it keeps one pending list per tree level (at most 174 entries each), so
hashing a file of many gigabytes needs a few kilobytes of state beyond the chunk in hand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from app.storage.cid import DAG_PB, RAW, Cid
from app.storage.dagpb import Link, encode_file_node

CHUNK_SIZE = 1024 * 1024
MAX_LINKS = 174


@dataclass(frozen=True)
class _Entry:
    cid: Cid
    tsize: int  # cumulative encoded size (a dag-pb link's Tsize)
    filesize: int  # bytes of file content below it (a UnixFS blocksize)


class FileDag:
    """Feed leaf digests in file order, then ``root()`` gives the blob's CID.

    Grouping matches the balanced layout of go-unixfs and ipfs-unixfs-importer: leaves are batched
    174 at a time into nodes, those nodes 174 at a time into the next level, until one root is
    left; a blob of a single chunk is that chunk's raw block.
    """

    def __init__(self, max_links: int = MAX_LINKS) -> None:
        if max_links < 2:
            raise ValueError("a node needs room for at least two links")
        self._max_links = max_links
        self._levels: list[list[_Entry]] = [[]]
        self._leaves = 0

    @property
    def leaves(self) -> int:
        return self._leaves

    def add_chunk(self, chunk: bytes) -> bytes:
        """Hash one chunk as the next leaf; returns its sha2-256 digest."""
        digest = hashlib.sha256(chunk).digest()
        self.add_leaf(digest, len(chunk))
        return digest

    def add_leaf(self, digest: bytes, size: int) -> None:
        """Add a leaf whose digest is already known (rebuilding a tree from stored digests)."""
        self._leaves += 1
        self._push(0, _Entry(Cid(RAW, digest), size, size))

    def _push(self, level: int, entry: _Entry) -> None:
        if level == len(self._levels):
            self._levels.append([])
        pending = self._levels[level]
        pending.append(entry)
        if len(pending) == self._max_links:
            self._levels[level] = []
            self._push(level + 1, self._reduce(pending))

    @staticmethod
    def _reduce(children: list[_Entry]) -> _Entry:
        block = encode_file_node([Link(c.cid, c.tsize) for c in children], [c.filesize for c in children])
        return _Entry(
            Cid.of_block(DAG_PB, block),
            len(block) + sum(c.tsize for c in children),
            sum(c.filesize for c in children),
        )

    def root(self) -> Cid:
        """Close every partial level bottom-up; the one entry left on top is the root."""
        if self._leaves == 0:
            raise ValueError("a blob has at least one (possibly empty) chunk")
        if self._leaves == 1:
            return self._levels[0][0].cid
        level = 0
        while True:
            top = len(self._levels) - 1
            pending = self._levels[level]
            if level == top and len(pending) == 1:
                return pending[0].cid
            if pending:
                self._levels[level] = []
                self._push(level + 1, self._reduce(pending))
            level += 1


def chunk_views(pieces: Iterable[bytes], size: int = CHUNK_SIZE) -> Iterator[list[memoryview]]:
    """Cut a stream of byte pieces of any sizes into ``size``-byte chunks, the last one shorter.

    Each chunk comes as the list of views into the pieces that hold it, so nothing is copied:
    hashing and writing can consume the views directly. Always yields at least one chunk (an empty
    one for empty input), because an empty blob is one empty raw block in IPFS too. Pieces must
    not change after they are handed over (bytes never do).
    """
    parts: list[memoryview] = []
    held = 0
    emitted = False
    for piece in pieces:
        view = memoryview(piece)
        while len(view) >= size - held:
            need = size - held
            parts.append(view[:need])
            yield parts
            emitted = True
            parts, held, view = [], 0, view[need:]
        if view:
            parts.append(view)
            held += len(view)
    if held or not emitted:
        yield parts


def rechunk(pieces: Iterable[bytes], size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """``chunk_views`` joined into bytes, for consumers that need one buffer per chunk.

    A chunk that is a whole ``bytes`` piece (file reads of exactly ``size``) is passed on as it is.
    """
    for parts in chunk_views(pieces, size):
        whole = parts[0].obj if len(parts) == 1 else None
        if isinstance(whole, bytes) and len(whole) == len(parts[0]):
            yield whole
        else:
            yield b"".join(parts)


def compute_cid(pieces: Iterable[bytes], chunk_size: int = CHUNK_SIZE) -> Cid:
    """The CID a put would give these bytes, without storing anything."""
    dag = FileDag()
    for chunk in rechunk(pieces, chunk_size):
        dag.add_chunk(chunk)
    return dag.root()
