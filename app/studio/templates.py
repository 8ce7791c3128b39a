"""The starter agents the app ships (``resources/templates``), offered when the studio opens the first
time and on New, so a newcomer starts from a working agent instead of typing a path.

They live in the resources folder, which the installers carry (``packaging/sahara.spec``), and are
read like any agent file: a damaged one is left out of the gallery, never half-loaded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from app.resources import resources_dir
from app.studio.document import GraphFileError, read_agent
from app.studio.graph import Graph

log = logging.getLogger(__name__)
SUFFIX = ".sahara-agent"
# The gallery's order: the richest example first; templates not named here follow by name.
ORDER = ("digit_router", "local_chat", "question_router")


@dataclass(frozen=True)
class Template:
    key: str  # the file's stem
    graph: Graph

    @property
    def title(self) -> str:
        return self.graph.name

    @property
    def description(self) -> str:
        return self.graph.description


def templates_dir() -> Path:
    return resources_dir() / "templates"


def _rank(path: Path) -> tuple[int, str]:
    return (ORDER.index(path.stem) if path.stem in ORDER else len(ORDER), path.stem)


def load_templates(folder: Path | None = None) -> list[Template]:
    """Every template that reads, in gallery order; unreadable ones are logged and skipped."""
    folder = folder or templates_dir()
    found: list[Template] = []
    for path in sorted(folder.glob(f"*{SUFFIX}"), key=_rank):
        try:
            graph, _models = read_agent(path)
        except GraphFileError as exc:
            log.warning("template %s left out: %s", path.name, exc)
            continue
        found.append(Template(path.stem, graph))
    return found


def blank_graph() -> Graph:
    """An empty agent, for those who would rather start from nothing."""
    return Graph(name="Untitled agent", description="An empty canvas.")
