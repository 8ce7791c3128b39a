"""Note: text on the canvas for people; the executor passes it over."""

from __future__ import annotations

from app.studio.registry import NodeConfig, NodeType, register


class NoteConfig(NodeConfig):
    text: str = ""
    color: str | None = None


@register
class NoteNode(NodeType):
    type_name = "note"
    title = "Note"
    category = "Canvas"
    description = "A comment on the canvas."
    Config = NoteConfig
    runnable = False
