"""Atomic file writes (a crash or a full disk never leaves a half-written file in place), durable
folder entries, and a file's SHA-256 read in pieces."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` through a temp file in the same folder, fsync, then rename.

    Permissions are set before any data is written, so a secret never sits world-readable even
    for a moment. If anything fails the temp file is removed and the old file is untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # not on Windows, where the ACL of the folder applies
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str, mode: int = 0o600) -> None:
    """``atomic_write_bytes`` of ``text`` as UTF-8, written exactly as given: no newline translation,
    so a CSV field holding ``\\n`` reads back the same on Windows."""
    atomic_write_bytes(path, text.encode("utf-8"), mode)


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Make a rename or a new entry in ``folder`` durable (not possible, nor needed, on Windows)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_digest(path: Path) -> tuple[str, int]:
    """(SHA-256 hex, size) of the file at ``path``, read in 1 MiB pieces so a model or a dataset never
    sits in memory whole; the size is what was read, so both describe the same bytes."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while piece := fh.read(1 << 20):
            digest.update(piece)
            size += len(piece)
    return digest.hexdigest(), size
