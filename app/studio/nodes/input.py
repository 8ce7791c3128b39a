"""Input: one named value the caller supplies (the playground form, ``--input`` JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from app.studio.context import NodeContext
from app.studio.ports import PORT_NAME, NodePorts, Port, PortType
from app.studio.registry import NodeConfig, NodeError, NodeType, register

_CHECKS = {
    PortType.TEXT: lambda v: isinstance(v, str),
    PortType.NUMBER: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    PortType.BOOL: lambda v: isinstance(v, bool),
    PortType.LIST: lambda v: isinstance(v, list),
    PortType.TENSOR: lambda v: isinstance(v, list | int | float) and not isinstance(v, bool),
    PortType.IMAGE: lambda v: isinstance(v, list | str),
}


class InputConfig(NodeConfig):
    name: str = Field("input", pattern=PORT_NAME.pattern)
    type: PortType = PortType.TEXT
    # None: the caller must give a value.
    default: Any = None
    description: str = ""


@register
class InputNode(NodeType):
    type_name = "input"
    title = "Input"
    category = "Input / output"
    description = "A value given when the agent runs."
    Config = InputConfig
    cacheable = False

    def ports(self, config: InputConfig) -> NodePorts:
        return NodePorts(outputs=(Port("value", config.type, description=config.description),))

    async def run(self, ctx: NodeContext, config: InputConfig, inputs: Mapping[str, Any]) -> dict[str, Any]:
        if config.name in ctx.run_inputs:
            value = ctx.run_inputs[config.name]
        elif config.default is not None:
            value = config.default
        else:
            raise NodeError(f"no value given for input {config.name!r}")
        check = _CHECKS.get(config.type)
        if check is not None and not check(value):
            raise NodeError(f"input {config.name!r} must be {config.type.value}, got {type(value).__name__}")
        return {"value": value}
