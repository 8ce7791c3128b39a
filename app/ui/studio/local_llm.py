"""The studio's local chat models: starts the bundled demo model when a run needs it, and looks for
Ollama / llama.cpp servers on loopback, both off the GUI thread (``app.llm.local`` does the work).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Signal

from app.llm import local
from app.llm.local import BUNDLED_PORT, LocalServer
from app.studio.graph import Graph
from app.ui.operations import Op, Operations


def uses_bundled(base_url: str) -> bool:
    """Whether a chat node's base URL is the bundled model's (loopback, its port)."""
    parts = urlsplit(base_url)
    return parts.hostname in ("127.0.0.1", "localhost", "::1") and parts.port == BUNDLED_PORT


def graph_needs_bundled(graph: Graph) -> bool:
    return any(
        n.type == "llm_chat" and uses_bundled(str(n.config.get("base_url", local.BUNDLED_URL)))
        for n in graph.nodes
    )


class LocalModels(QObject):
    """``servers`` lists what the last probe found; ``servers_changed`` says when it changes."""

    servers_changed = Signal()

    def __init__(self, ops: Operations, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.servers: list[LocalServer] = []
        self.bundled_ready = False

    def probe(self) -> None:
        """Look for local servers again (quick: a few loopback requests with a short timeout)."""
        self.ops.run(Op("probe-llm", lambda _say: self._probe()))

    async def _probe(self) -> None:
        found = await asyncio.to_thread(local.find_local_servers)
        if found != self.servers:
            self.servers = found
            self.servers_changed.emit()

    async def ensure_bundled(self) -> str | None:
        """Start the bundled model unless it answers already; returns an error sentence or None."""
        try:
            await asyncio.to_thread(local.ensure_bundled)
        except RuntimeError as exc:
            return str(exc)
        self.bundled_ready = True
        return None

    def stop(self) -> None:
        """On quit: stop the bundled model if this app started it."""
        if self.bundled_ready:
            local.stop_bundled()
            self.bundled_ready = False
