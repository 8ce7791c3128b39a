"""Agent graphs that tests build again and again: question → LLM chat node → answer."""

from __future__ import annotations

from typing import Any

from app.studio.graph import SCHEMA_VERSION, Graph


def llm_chat_graph(config: dict[str, Any], name: str = "chat") -> Graph:
    """An input ``question`` wired to an ``llm_chat`` node with ``config``, wired to output ``answer``."""
    return Graph.model_validate(
        {
            "schema_version": SCHEMA_VERSION,
            "name": name,
            "nodes": [
                {"id": "q", "type": "input", "config": {"name": "question"}},
                {"id": "llm", "type": "llm_chat", "config": config},
                {"id": "out", "type": "output", "config": {"name": "answer"}},
            ],
            "edges": [
                {"id": "e1", "source": "q", "source_port": "value", "target": "llm", "target_port": "prompt"},
                {"id": "e2", "source": "llm", "source_port": "text", "target": "out", "target_port": "value"},
            ],
        }
    )
