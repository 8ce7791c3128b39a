"""Output: publishes a value as one of the run's named outputs, streaming it while it arrives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from app.studio.context import NodeContext, TokenStream
from app.studio.ports import PORT_NAME, NodePorts, Port
from app.studio.registry import NodeConfig, NodeType, register


class OutputConfig(NodeConfig):
    name: str = Field("output", pattern=PORT_NAME.pattern)


@register
class OutputNode(NodeType):
    type_name = "output"
    title = "Output"
    category = "Input / output"
    description = "A result of the agent; tokens stream here while an LLM writes."
    Config = OutputConfig
    cacheable = False

    def ports(self, config: OutputConfig) -> NodePorts:
        return NodePorts(inputs=(Port("value", accepts_stream=True),))

    async def run(self, ctx: NodeContext, config: OutputConfig, inputs: Mapping[str, Any]) -> dict[str, Any]:
        value = inputs["value"]
        if isinstance(value, TokenStream):
            async for chunk in value:
                ctx.emit("value", chunk)
            value = await value.final()
        ctx.set_run_output(config.name, value)
        return {"value": value}
