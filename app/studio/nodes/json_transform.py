"""JSON transform: reshape JSON with a JMESPath expression (e.g. ``items[?score > `0.5`].name``)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field

from app.studio.context import NodeContext
from app.studio.ports import NodePorts, Port, PortType
from app.studio.registry import NodeConfig, NodeError, NodeType, register

if TYPE_CHECKING:
    from jmespath.parser import ParsedResult


@functools.lru_cache(maxsize=256)
def _compiled(expression: str) -> ParsedResult:
    import jmespath

    return jmespath.compile(expression)


class TransformConfig(NodeConfig):
    expression: str = Field("@", min_length=1, max_length=10_000)


@register
class JsonTransformNode(NodeType):
    type_name = "json_transform"
    title = "JSON transform"
    category = "Data"
    description = "Select and reshape JSON with JMESPath."
    Config = TransformConfig

    def check(self, config: TransformConfig) -> list[str]:
        from jmespath.exceptions import JMESPathError

        try:
            _compiled(config.expression)
        except JMESPathError as exc:
            return [f"JMESPath: {exc}".replace("\n", " ")]
        return []

    def ports(self, config: TransformConfig) -> NodePorts:
        return NodePorts(inputs=(Port("data", PortType.JSON),), outputs=(Port("result", PortType.JSON),))

    async def run(
        self, ctx: NodeContext, config: TransformConfig, inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        from jmespath.exceptions import JMESPathError

        try:
            return {"result": _compiled(config.expression).search(inputs["data"])}
        except JMESPathError as exc:
            raise NodeError(f"JMESPath: {exc}") from None
