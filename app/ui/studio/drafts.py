"""Where the studio keeps the agent being edited: one JSON draft per agent, written atomically."""

from __future__ import annotations

import re
from pathlib import Path

from app.studio.document import GraphFileError, load_graph
from app.studio.graph import Graph, Node, Position

AGENT_SUFFIX = ".sahara-agent"


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text[:60] or "agent"


class Drafts:
    """``<data>/studio/drafts/<name>.json``: the autosaved state of each agent."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def new_path(self, name: str) -> Path:
        """A draft file for an agent called ``name`` that no other draft uses yet."""
        base = slug(name)
        path = self.folder / f"{base}.json"
        n = 2
        while path.exists():
            path = self.folder / f"{base}-{n}.json"
            n += 1
        return path

    def latest(self) -> tuple[Path, Graph] | None:
        """The most recently saved draft that still reads; damaged drafts are left alone."""
        try:
            files = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return None
        for path in files:
            try:
                return path, load_graph(path)
            except GraphFileError:
                continue
        return None


def starter_graph() -> Graph:
    """A new agent: a question goes through a prompt template to the output."""
    return Graph(
        name="Untitled agent",
        nodes=[
            Node(id="input1", type="input", position=Position(x=0, y=40), config={"name": "question"}),
            Node(
                id="prompt1",
                type="prompt_template",
                position=Position(x=280, y=20),
                config={"template": "Answer briefly: {{ question }}"},
            ),
            Node(id="output1", type="output", position=Position(x=560, y=40), config={"name": "answer"}),
        ],
        edges=[
            {
                "id": "edge1",
                "source": "input1",
                "source_port": "value",
                "target": "prompt1",
                "target_port": "question",
            },
            {
                "id": "edge2",
                "source": "prompt1",
                "source_port": "text",
                "target": "output1",
                "target_port": "value",
            },
        ],
    )
