"""Retriever: the documents most like the query, by cosine similarity of MiniLM sentence embeddings.

Document embeddings (the index) are cached by the documents' content, so asking many questions of
the same documents embeds them once. Embedding runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field

from app.studio.context import NodeContext
from app.studio.ports import NodePorts, Port, PortType
from app.studio.registry import NodeConfig, NodeError, NodeType, register

if TYPE_CHECKING:
    import numpy as np

_INDEXES: OrderedDict[str, np.ndarray] = OrderedDict()
_INDEX_LOCK = threading.Lock()
MAX_INDEXES = 16


class RetrieverConfig(NodeConfig):
    documents: list[str] = Field(default_factory=list)
    top_k: int = Field(3, ge=1, le=100)


def _index(documents: list[str]) -> np.ndarray:
    from app.embeddings.minilm import shared_model

    key = hashlib.sha256(json.dumps(documents).encode()).hexdigest()
    with _INDEX_LOCK:
        if key in _INDEXES:
            _INDEXES.move_to_end(key)
            return _INDEXES[key]
    vectors = shared_model().embed(documents)
    with _INDEX_LOCK:
        _INDEXES[key] = vectors
        while len(_INDEXES) > MAX_INDEXES:
            _INDEXES.popitem(last=False)
    return vectors


def _search(query: str, documents: list[str], top_k: int) -> list[dict[str, Any]]:
    from app.embeddings.minilm import EmbeddingModelMissing, shared_model

    try:
        index = _index(documents)
        query_vector = shared_model().embed([query])[0]
    except EmbeddingModelMissing as exc:
        raise NodeError(str(exc)) from None
    scores = index @ query_vector  # rows are unit length: the dot product is the cosine
    best = scores.argsort()[::-1][:top_k]
    return [{"text": documents[i], "score": float(scores[i]), "index": int(i)} for i in best]


@register
class RetrieverNode(NodeType):
    type_name = "retriever"
    title = "Retriever"
    category = "AI"
    description = "Find the documents closest in meaning to a query (MiniLM embeddings)."
    Config = RetrieverConfig

    def ports(self, config: RetrieverConfig) -> NodePorts:
        return NodePorts(
            inputs=(Port("query", PortType.TEXT), Port("documents", PortType.LIST, required=False)),
            outputs=(Port("matches", PortType.LIST), Port("context", PortType.TEXT)),
        )

    async def run(
        self, ctx: NodeContext, config: RetrieverConfig, inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        documents = [str(d) for d in inputs.get("documents") or config.documents]
        if not documents:
            raise NodeError("no documents to search: set them in the node or wire a list in")
        matches = await asyncio.to_thread(_search, str(inputs["query"]), documents, config.top_k)
        return {"matches": matches, "context": "\n\n".join(m["text"] for m in matches)}
