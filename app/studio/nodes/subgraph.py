"""Subgraph: a whole graph used as one node; its Input nodes are its inputs, its Outputs its outputs.

The inner graph lives in the node's config (a complete document with its own schema version), so
a graph file stays self-contained. Inner nodes run inside the same run: their events and traces
carry ids ``"<this node>/<inner node>"`` and they use the cache one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError, field_validator

from app.studio import registry
from app.studio.context import NodeContext
from app.studio.document import migrate
from app.studio.graph import Graph
from app.studio.ports import NodePorts, Port
from app.studio.registry import NodeConfig, NodeType, register


class SubgraphConfig(NodeConfig):
    graph: Graph

    @field_validator("graph", mode="before")
    @classmethod
    def _upgrade(cls, raw: Any) -> Any:
        return migrate(raw) if isinstance(raw, dict) else raw


def _configs(graph: Graph, type_name: str) -> list[Any]:
    node_type = registry.get(type_name)
    assert node_type is not None
    found = []
    for node in graph.nodes:
        if node.type == type_name:
            try:
                found.append(node_type.Config.model_validate(node.config))
            except ValidationError:
                continue  # reported by check()
    return found


@register
class SubgraphNode(NodeType):
    type_name = "subgraph"
    title = "Subgraph"
    category = "Logic"
    description = "A graph inside a node: reuse a chain of nodes as one."
    Config = SubgraphConfig
    cacheable = False  # its inner nodes are cached one by one, and show in the trace
    default_timeout_s = None

    def check(self, config: SubgraphConfig) -> list[str]:
        from app.studio.validate import validate

        return [f"inside: {issue}" for issue in validate(config.graph)[:3]]

    def ports(self, config: SubgraphConfig) -> NodePorts:
        inputs: dict[str, Port] = {}
        for c in _configs(config.graph, "input"):
            inputs.setdefault(c.name, Port(c.name, c.type, required=c.default is None))
        outputs = {c.name: Port(c.name) for c in _configs(config.graph, "output")}
        return NodePorts(inputs=tuple(inputs.values()), outputs=tuple(outputs.values()))

    async def run(
        self, ctx: NodeContext, config: SubgraphConfig, inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        return await ctx.run_subgraph(config.graph, inputs)
