"""Chat servers on this computer: the bundled demo model, started on demand, and any Ollama or
llama.cpp server already running on loopback.

The studio's LLM chat node points at the bundled server (``BUNDLED_URL``) by default, so a new node
works with no set-up: before a run that needs it, ``ensure_bundled`` starts it inside the app (a
daemon thread on 127.0.0.1:8011) unless something already answers there. ``find_local_servers``
asks the usual loopback ports for their models, with a short timeout, so the studio can offer a real
local model instead. Both block: callers run them off the GUI thread.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.llm.server import ChatServer

log = logging.getLogger(__name__)

BUNDLED_PORT = 8011
BUNDLED_URL = f"http://127.0.0.1:{BUNDLED_PORT}/v1"
# Loopback servers worth offering, by the port their tools listen on by default.
KNOWN_PORTS = {11434: "Ollama", 8080: "llama.cpp"}
PROBE_TIMEOUT_S = 0.3

_lock = threading.Lock()
_bundled: ChatServer | None = None  # the ChatServer this process started, kept alive while the app runs


@dataclass(frozen=True)
class LocalServer:
    name: str  # "Ollama", "llama.cpp"
    base_url: str  # ends in /v1
    models: tuple[str, ...]


def list_models(base_url: str, timeout: float = PROBE_TIMEOUT_S) -> tuple[str, ...] | None:
    """The model ids an OpenAI-compatible server lists, or None when nothing answers like one."""
    try:
        with urllib.request.urlopen(base_url.rstrip("/") + "/models", timeout=timeout) as response:
            body = json.loads(response.read(1 << 20))
    except (OSError, ValueError, urllib.error.URLError):
        return None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return None
    return tuple(str(m["id"]) for m in data if isinstance(m, dict) and m.get("id"))


def find_local_servers(
    ports: dict[int, str] | None = None, timeout: float = PROBE_TIMEOUT_S
) -> list[LocalServer]:
    """Ollama / llama.cpp servers answering on loopback, probed in parallel (about ``timeout``)."""
    ports = KNOWN_PORTS if ports is None else ports
    urls = {port: f"http://127.0.0.1:{port}/v1" for port in ports}
    if not urls:
        return []
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        found = dict(zip(urls, pool.map(lambda url: list_models(url, timeout), urls.values()), strict=True))
    return [LocalServer(ports[p], urls[p], models) for p, models in found.items() if models is not None]


def ensure_bundled(port: int = BUNDLED_PORT) -> str:
    """Make sure the bundled demo model answers on loopback ``port``; returns its base URL.

    Something already answering there (``sahara serve-llm``, an earlier start) is used as it is.
    Raises ``RuntimeError`` with a sentence when the model cannot be loaded or the port is taken.
    """
    global _bundled
    url = f"http://127.0.0.1:{port}/v1"
    with _lock:
        if list_models(url) is not None:
            return url
        from app.llm.charlm import CharLM, ModelError
        from app.llm.server import ChatServer

        try:
            server = ChatServer(CharLM(), "127.0.0.1", port)
        except ModelError as exc:
            raise RuntimeError(f"The bundled model cannot start: {exc}") from None
        except OSError as exc:
            raise RuntimeError(
                f"The bundled model cannot start: port {port} is in use by another program "
                f"({exc.strerror or exc}). Point the node's base URL at another server."
            ) from None
        server.start()
        _bundled = server
        log.info("bundled chat model started at %s", server.base_url)
        return server.base_url


def stop_bundled() -> None:
    """Stop the bundled server this process started (on quit, and in tests)."""
    global _bundled
    with _lock:
        server, _bundled = _bundled, None
    if server is not None:
        server.stop()
