"""Opening and exporting agent files, off the GUI thread; a bad file is reported, never written.

An exported agent lists the models it uses; opening one says which of them are missing here or
differ from the exported ones (the nodes that use them also show it).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.studio.document import GraphFileError, export_agent, missing_models, read_agent
from app.studio.graph import Graph
from app.ui.studio.drafts import AGENT_SUFFIX
from app.ui.studio.editor import StudioEditor


def _read(path: Path) -> tuple[Graph, list[str]]:
    graph, models = read_agent(path)
    return graph, missing_models(models)


async def open_file(editor: StudioEditor, path: Path) -> str | None:
    """Load ``path`` into the editor as a new draft; returns an error or a warning, or None."""
    try:
        graph, missing = await asyncio.to_thread(_read, path)
    except GraphFileError as exc:
        return f"Could not open the agent. {exc}"
    editor.flush()
    editor.load(graph, None)
    editor.model.events.emit("changed")  # write the new draft at once
    if missing:
        count = len(missing)
        return f"This agent uses {count} model{'s' if count > 1 else ''} not available here: " + "; ".join(
            missing
        )
    return None


def agent_path(path: Path) -> Path:
    """``path`` with ``.sahara-agent`` added unless it already names an agent or JSON file."""
    if path.suffix != AGENT_SUFFIX and path.suffix != ".json":
        return path.with_name(path.name + AGENT_SUFFIX)
    return path


async def export_file(editor: StudioEditor, path: Path, graph: Graph | None = None) -> str | None:
    """Write the agent (or ``graph``, a snapshot) to ``path``; returns an error or None."""
    path = agent_path(path)
    graph = graph or editor.model.graph.model_copy(deep=True)
    try:
        await asyncio.to_thread(export_agent, path, graph)
    except OSError as exc:
        return f"Could not save to {path}: {exc.strerror or exc}"
    return None
