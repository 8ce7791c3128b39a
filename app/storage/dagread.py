"""Reading a blob from anyone who serves blocks by CID, trusting none of them.

The IPFS node and the gateway backends fetch the blob's blocks one by one and check every block
against the CID that names it before a byte of it is used, starting from the CID the caller
asked for. A node's links carry its children's CIDs, so a verified root vouches for the whole
tree: a server can refuse or stall, but it cannot make us return bytes other than the ones the CID
names. Blocks are fetched a few at a time ahead of the reader to hide round trips.

Any UnixFS file DAG is read (our 1 MiB/174 layout, Kubo's default 256 KiB CIDv0 files with data
inside dag-pb leaves, other widths): the tree's shape comes from the verified nodes, not from us.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from app.storage.cid import RAW, Cid
from app.storage.dagpb import FileNode, MalformedNode, decode_file_node
from app.storage.errors import BlobCorrupt, NotAFile

MAX_BLOCK_SIZE = 2 * 1024 * 1024  # the largest block IPFS nodes exchange (bitswap's limit)
MAX_DEPTH = 32  # 174^32 chunks is beyond any file; deeper trees are hostile
FETCH_AHEAD = 4

BlockFetcher = Callable[[Cid], bytes]


def iter_file(
    root: Cid, root_block: bytes, fetch: BlockFetcher, *, ahead: int = FETCH_AHEAD
) -> Iterator[bytes]:
    """The file's bytes in order, each piece from a block that matched its CID.

    ``root_block`` is checked here, before the iterator is returned, so a caller that fetched it
    eagerly learns of a missing, corrupt or non-file root at once. While iterating, a block that
    does not match its CID or a tree whose sizes disagree raises ``BlobCorrupt``.
    """
    declared = None
    if root.codec == RAW:
        _verified(root, root_block, root)
    else:
        declared = _node(root, root_block, root).unixfs.filesize
    return _stream(root, root_block, fetch, ahead, declared)


def _stream(
    root: Cid, root_block: bytes, fetch: BlockFetcher, ahead: int, declared: int | None
) -> Iterator[bytes]:
    pool = ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="blob-fetch")
    try:
        total = 0
        for piece in _walk(root, root_block, root, fetch, pool, ahead, 0):
            total += len(piece)
            if declared is not None and total > declared:
                raise BlobCorrupt(root, f"the tree holds more than the {declared} bytes its root declares")
            yield piece
        if declared is not None and total != declared:
            raise BlobCorrupt(root, f"the tree holds {total} bytes but its root declares {declared}")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _verified(cid: Cid, block: bytes, root: Cid) -> bytes:
    if len(block) > MAX_BLOCK_SIZE or not cid.matches(block):
        raise BlobCorrupt(root, f"block {cid} does not match its hash")
    return block


def _node(cid: Cid, block: bytes, root: Cid) -> FileNode:
    try:
        return decode_file_node(_verified(cid, block, root))
    except MalformedNode as exc:
        raise NotAFile(f"{root} is not a file that can be downloaded: {exc}") from exc


def _walk(
    cid: Cid, block: bytes, root: Cid, fetch: BlockFetcher, pool: ThreadPoolExecutor, ahead: int, depth: int
) -> Iterator[bytes]:
    if cid.codec == RAW:
        _verified(cid, block, root)
        if block:
            yield block
        return
    if depth > MAX_DEPTH:
        raise NotAFile(f"{root} is nested deeper than any file")
    node = _node(cid, block, root)
    if node.unixfs.data:
        yield node.unixfs.data
    for child, child_block in _ahead([link.cid for link in node.links], fetch, pool, ahead):
        yield from _walk(child, child_block, root, fetch, pool, ahead, depth + 1)


def _ahead(
    cids: list[Cid], fetch: BlockFetcher, pool: ThreadPoolExecutor, ahead: int
) -> Iterator[tuple[Cid, bytes]]:
    """Fetch ``cids`` in order with up to ``ahead`` requests in flight; memory stays bounded."""
    pending: deque[tuple[Cid, Future[bytes]]] = deque()
    queue = iter(cids)
    try:
        for cid in queue:
            pending.append((cid, pool.submit(fetch, cid)))
            if len(pending) >= ahead:
                break
        while pending:
            cid, future = pending.popleft()
            following = next(queue, None)
            if following is not None:
                pending.append((following, pool.submit(fetch, following)))
            yield cid, future.result()
    finally:
        for _cid, future in pending:
            future.cancel()
