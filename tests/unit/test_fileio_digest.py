"""``file_digest`` reads a file in pieces: its hash and size are those of every byte, also past the
first piece and for an empty file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.fileio import file_digest


def test_digest_and_size_cover_every_piece(tmp_path: Path) -> None:
    data = bytes(range(256)) * 8200  # a little over two 1 MiB pieces
    path = tmp_path / "model.onnx"
    path.write_bytes(data)
    assert file_digest(path) == (hashlib.sha256(data).hexdigest(), len(data))
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert file_digest(empty) == (hashlib.sha256(b"").hexdigest(), 0)
