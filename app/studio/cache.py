"""Node output cache: an edit reruns only what depends on it (as in ComfyUI).

A node's key hashes its type, the type's version, its settings and its input values; so changing a
prompt reruns that node, and the nodes after it only if its output changed. Entries live in an
in-memory LRU and, when a folder is given, as JSON files that survive restarts. Values are JSON,
and treated as immutable once produced.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

from app import safe_json
from app.fileio import atomic_write_text


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cache_key(type_name: str, version: int, config_json: str, inputs: dict[str, Any]) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for part in (type_name, str(version), config_json, canonical_json(inputs)):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


class OutputCache:
    """LRU of node outputs by key, optionally backed by one JSON file per key under ``folder``."""

    def __init__(self, max_entries: int = 1024, folder: Path | None = None) -> None:
        self.max_entries = max_entries
        self.folder = folder
        self._memory: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def _file(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.json"

    def _remember(self, key: str, outputs: dict[str, Any]) -> None:
        self._memory[key] = outputs
        self._memory.move_to_end(key)
        while len(self._memory) > self.max_entries:
            self._memory.popitem(last=False)

    def _read(self, key: str) -> dict[str, Any] | None:
        try:
            value = safe_json.loads(self._file(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # a missing or damaged entry is just a miss
        return value if isinstance(value, dict) else None

    async def get(self, key: str) -> dict[str, Any] | None:
        hit = self._memory.get(key)
        if hit is not None:
            self._memory.move_to_end(key)
            return hit
        if self.folder is None:
            return None
        hit = await asyncio.to_thread(self._read, key)
        if hit is not None:
            self._remember(key, hit)
        return hit

    async def put(self, key: str, outputs: dict[str, Any]) -> None:
        self._remember(key, outputs)
        if self.folder is not None:
            try:
                text = canonical_json(outputs)
            except (TypeError, ValueError):
                return  # not JSON: kept in memory only
            with contextlib.suppress(OSError):  # a full disk costs a rerun later, not this run
                await asyncio.to_thread(atomic_write_text, self._file(key), text, 0o600)

    def clear(self) -> None:
        """Forget the in-memory entries (files on disk stay until the folder is removed)."""
        self._memory.clear()
