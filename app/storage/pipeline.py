"""Hashing and writing a blob's chunks at the same time, in bounded memory.

A put does three kinds of work per chunk: encrypt (fast, with AES-NI), sha2-256 (the slowest)
and write to disk. Done one after the other they take about twice as long as hashing alone;
spread over threads they overlap, because hashlib and file writes release the GIL. The caller's
thread produces chunks, two pool threads hash them (results are taken in order, so the DAG sees
the leaves in file order), and one thread writes them. Queues are short, so memory stays at a few
chunks whatever the blob's size.

While writing, the written range is handed to the kernel for write-back (``posix_fadvise``
DONTNEED, where the OS has it): the final fsync then has little left to flush, and a multi-GB put
does not push everything else out of the page cache.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from app.storage.layout import FileDag

_HASHERS = 2
_HASH_AHEAD = 4
_WRITE_QUEUE = 8
_WRITEBACK_EVERY = 32 * 1024 * 1024
_BINARY = getattr(os, "O_BINARY", 0)  # Windows would otherwise translate line endings


def _sha256(parts: list[memoryview]) -> bytes:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.digest()


class ChunkWriter:
    """Writes a new file: feed chunks in order with ``add``, then ``finish`` returns their digests.

    A chunk is a list of views into the caller's pieces (layout.chunk_views), so the bytes are
    neither joined nor copied on their way to the hash and the file. Use it as a context manager:
    leaving the block stops the threads and closes the file, whatever happened.
    """

    def __init__(self, path: Path, dag: FileDag) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o600)
        self._dag = dag
        self._digests = bytearray()
        self._pool = ThreadPoolExecutor(_HASHERS, thread_name_prefix="blob-hash")
        self._hashing: deque[tuple[int, Future[bytes]]] = deque()
        self._queue: queue.Queue[list[memoryview] | None] = queue.Queue(_WRITE_QUEUE)
        self._error: BaseException | None = None
        self._writer = threading.Thread(target=self._write_all, name="blob-write", daemon=True)
        self._writer.start()

    def add(self, chunk: list[memoryview]) -> None:
        if self._error is not None:
            raise self._error
        self._hashing.append((sum(len(part) for part in chunk), self._pool.submit(_sha256, chunk)))
        self._queue.put(chunk)
        while len(self._hashing) > _HASH_AHEAD:
            self._take_digest()

    def _take_digest(self) -> None:
        size, future = self._hashing.popleft()
        digest = future.result()
        self._dag.add_leaf(digest, size)
        self._digests += digest

    def finish(self) -> bytes:
        """Wait for every hash and write, fsync, and return the concatenated leaf digests."""
        while self._hashing:
            self._take_digest()
        self._stop()
        if self._error is not None:
            raise self._error
        os.fsync(self._fd)
        return bytes(self._digests)

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop the threads (after an error or an interruption, too) and close the file."""
        for _size, future in self._hashing:
            future.cancel()
        self._hashing.clear()
        self._stop()
        os.close(self._fd)

    def _stop(self) -> None:
        if self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()
        self._pool.shutdown(wait=True)

    def _write_all(self) -> None:
        """The writer thread: after a failure it keeps draining so ``add`` never blocks forever."""
        offset = unsynced = 0
        while (chunk := self._queue.get()) is not None:
            if self._error is not None:
                continue
            try:
                for part in chunk:
                    view = part
                    while view:
                        view = view[os.write(self._fd, view) :]
                    unsynced += len(part)
                if unsynced >= _WRITEBACK_EVERY and hasattr(os, "posix_fadvise"):
                    os.posix_fadvise(self._fd, offset, unsynced, os.POSIX_FADV_DONTNEED)
                    offset, unsynced = offset + unsynced, 0
            except BaseException as exc:  # handed to the producer's thread by add() / finish()
                self._error = exc
