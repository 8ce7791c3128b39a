"""Where the studio keeps the agent being edited: one JSON draft per agent, written atomically, and
for each draft the file Save writes it to, so Save still knows it after a restart."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from app import safe_json
from app.fileio import atomic_write_text
from app.studio.document import GraphFileError, load_graph
from app.studio.graph import Graph, Node, Position

log = logging.getLogger(__name__)

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


class SavedFiles:
    """``<data>/studio/saved_files.json``: draft file name → the agent file it was last opened from or
    saved to. It holds no secret; a damaged file only means Save asks where once more."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def _all(self) -> dict[str, str]:
        try:
            rows = safe_json.load_path(self.file) if self.file.exists() else {}
        except (OSError, ValueError) as exc:
            log.warning("studio saved files unreadable (%s): Save asks where", exc)
            return {}
        if not isinstance(rows, dict):
            return {}
        return {k: v for k, v in rows.items() if isinstance(k, str) and isinstance(v, str)}

    def get(self, draft: Path) -> Path | None:
        saved = self._all().get(draft.name)
        return Path(saved) if saved else None

    def remember(self, draft: Path, saved: Path | None) -> None:
        """``draft`` is saved to ``saved`` from now on (None: to no file yet). Drafts that are
        gone are forgotten on the way."""
        rows = {k: v for k, v in self._all().items() if (draft.parent / k).exists() and k != draft.name}
        if saved is not None:
            rows[draft.name] = str(saved)
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.file, json.dumps(rows, indent=1))
        except OSError as exc:  # the agent itself is saved; only the next start's Save asks where
            log.warning("could not remember where %s is saved: %s", draft.name, exc)


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
