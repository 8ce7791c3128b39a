"""Opening and exporting agent files, off the GUI thread; a bad file is reported, never written."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.studio.document import GraphFileError, load_graph, save_graph
from app.ui.studio.drafts import AGENT_SUFFIX
from app.ui.studio.editor import StudioEditor


async def open_file(editor: StudioEditor, path: Path) -> str | None:
    """Load ``path`` into the editor as a new draft; returns an error message, or None."""
    try:
        graph = await asyncio.to_thread(load_graph, path)
    except GraphFileError as exc:
        return f"Could not open the agent. {exc}"
    editor.flush()
    editor.load(graph, None)
    editor.model.changed.emit()  # write the new draft at once
    return None


async def export_file(editor: StudioEditor, path: Path) -> str | None:
    """Write the agent to ``path`` (``.sahara-agent`` added when missing); returns an error or None."""
    if path.suffix != AGENT_SUFFIX and path.suffix != ".json":
        path = path.with_name(path.name + AGENT_SUFFIX)
    try:
        await asyncio.to_thread(save_graph, path, editor.model.graph.model_copy(deep=True))
    except OSError as exc:
        return f"Could not export to {path}: {exc.strerror or exc}"
    return None
