"""What a node sees while it runs: its id, a way to stream tokens, secrets, subgraphs.

``TokenStream`` carries one streaming output live to the nodes downstream that read streams (the
Output node), so a playground shows an answer while the LLM is still writing it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from app.studio.registry import NodeError

if TYPE_CHECKING:
    from app.studio.graph import Graph
    from app.studio.secrets import SecretStore

MISSING: Any = object()


class SkipNode(Exception):
    """Raised into a reader when the stream it reads will never have a value."""


class TokenStream:
    """The tokens of one output as they arrive, then its final value; any number of readers."""

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self._changed = asyncio.Event()
        self._closed = False
        self._final: Any = MISSING
        self._skip: str | None = None

    def push(self, text: str) -> None:
        self._chunks.append(text)
        self._changed.set()

    def close(self, final: Any = MISSING, skip: str | None = None) -> None:
        """End the stream with the node's final value, or with why there will be none."""
        self._final, self._skip, self._closed = final, skip, True
        self._changed.set()

    async def __aiter__(self) -> AsyncIterator[str]:
        index = 0
        while True:
            while index < len(self._chunks):
                yield self._chunks[index]
                index += 1
            if self._closed:
                return
            self._changed.clear()
            await self._changed.wait()

    def settled(self) -> Any:
        """The final value if the stream has closed with one, else None (for traces)."""
        return None if self._final is MISSING else self._final

    async def final(self) -> Any:
        """The complete value once the writer finished; raises ``SkipNode`` if it never will."""
        while not self._closed:
            self._changed.clear()
            await self._changed.wait()
        if self._final is MISSING:
            raise SkipNode(self._skip or "the stream ended without a value")
        return self._final


class NodeContext:
    """Per-run services for one node; built by the executor, never by nodes."""

    def __init__(
        self,
        node_id: str,
        run_inputs: Mapping[str, Any],
        on_token: Callable[[str, str], None],
        on_output: Callable[[str, Any], None],
        secrets: SecretStore | None,
        subgraph: Callable[[str, Graph, Mapping[str, Any]], Awaitable[dict[str, Any]]],
    ) -> None:
        self.node_id = node_id
        self.run_inputs = run_inputs
        self.tokens = 0
        self._on_token = on_token
        self._on_output = on_output
        self._secrets = secrets
        self._subgraph = subgraph

    def emit(self, port: str, text: str) -> None:
        """Stream a piece of ``port``'s output to the caller and to live readers downstream."""
        self.tokens += 1
        self._on_token(port, text)

    def set_run_output(self, name: str, value: Any) -> None:
        """Publish a value as one of the run's outputs (what Output nodes do)."""
        self._on_output(name, value)

    def secret(self, name: str) -> str:
        """The value of a stored secret; graphs only ever hold the name."""
        if self._secrets is None:
            raise NodeError(f"secret {name!r} is needed, but this run has no secrets store")
        from app.studio.secrets import SecretError

        try:
            return self._secrets.get(name)
        except SecretError as exc:
            raise NodeError(str(exc)) from None

    async def run_subgraph(self, graph: Graph, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Run ``graph`` inside this run (same cache, events and trace); returns its outputs."""
        return await self._subgraph(self.node_id, graph, inputs)
