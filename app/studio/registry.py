"""The node library: every node type registers itself here with ``@register``.

A node type is one small file in ``app/studio/nodes/``: a pydantic ``Config`` (what the inspector
edits and the graph file stores), ``ports(config)`` and ``async run(ctx, config, inputs)``. The
package is imported on first use, so adding a node touches only its own file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from app.studio.ports import NodePorts

if TYPE_CHECKING:
    from app.studio.context import NodeContext


class NodeConfig(BaseModel):
    """Base of every node's settings: unknown keys are errors, so a typo shows on the node."""

    model_config = ConfigDict(extra="forbid")


class NodeError(Exception):
    """A failure the user can act on; its message is shown on the node as is."""


class NodeType:
    """One kind of node. Instances are stateless; per-run state lives in the ``NodeContext``."""

    type_name: ClassVar[str]
    title: ClassVar[str]
    category: ClassVar[str]
    description: ClassVar[str] = ""
    Config: ClassVar[type[NodeConfig]] = NodeConfig
    # Part of every cache key: bump it when the node's behaviour changes for the same config.
    version: ClassVar[int] = 1
    cacheable: ClassVar[bool] = True
    # False for nodes that only annotate the canvas (notes): the executor passes them over.
    runnable: ClassVar[bool] = True
    default_timeout_s: ClassVar[float | None] = 300.0

    def ports(self, config: Any) -> NodePorts:
        return NodePorts()

    def check(self, config: Any) -> list[str]:
        """Problems with a config that pydantic cannot see (a bad expression, a missing file)."""
        return []

    async def run(self, ctx: NodeContext, config: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError(f"{self.type_name} does not run")


_TYPES: dict[str, NodeType] = {}
_loaded = False


def register(cls: type[NodeType]) -> type[NodeType]:
    """Class decorator: add a node type to the library under its ``type_name``."""
    if cls.type_name in _TYPES:
        raise ValueError(f"node type {cls.type_name!r} is registered twice")
    _TYPES[cls.type_name] = cls()
    return cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    from app.studio import nodes

    for module in pkgutil.iter_modules(nodes.__path__):
        importlib.import_module(f"{nodes.__name__}.{module.name}")
    _loaded = True


def get(type_name: str) -> NodeType | None:
    _load()
    return _TYPES.get(type_name)


def all_types() -> list[NodeType]:
    """Every node type, for the palette: sorted by category, then title."""
    _load()
    return sorted(_TYPES.values(), key=lambda t: (t.category, t.title))
