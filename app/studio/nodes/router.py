"""Router: sends its value down the first route whose condition holds, else down ``default``.

Conditions use the safe expression language of ``app.studio.expr`` with the variable ``value``
(e.g. ``value % 2 == 0`` or ``value["label"] == "spam"``). Untaken routes stay inactive, so the
nodes behind them are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.studio.context import NodeContext
from app.studio.expr import ExpressionError, compile_expression
from app.studio.ports import PORT_NAME, NodePorts, Port
from app.studio.registry import NodeConfig, NodeError, NodeType, register

DEFAULT = "default"


class Route(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=PORT_NAME.pattern)
    when: str


class RouterConfig(NodeConfig):
    routes: list[Route] = Field(default_factory=list)


@register
class RouterNode(NodeType):
    type_name = "router"
    title = "Router"
    category = "Logic"
    description = "Pick a branch by condition; the value flows down only that branch."
    Config = RouterConfig

    def check(self, config: RouterConfig) -> list[str]:
        problems = []
        names = [r.name for r in config.routes]
        if len(set(names)) != len(names) or DEFAULT in names:
            problems.append(f"route names must be unique and not {DEFAULT!r}")
        for route in config.routes:
            try:
                compile_expression(route.when)
            except ExpressionError as exc:
                problems.append(f"route {route.name!r}: {exc}")
        return problems

    def ports(self, config: RouterConfig) -> NodePorts:
        outputs = tuple(Port(r.name, required=False) for r in config.routes)
        return NodePorts(inputs=(Port("value"),), outputs=(*outputs, Port(DEFAULT, required=False)))

    async def run(self, ctx: NodeContext, config: RouterConfig, inputs: Mapping[str, Any]) -> dict[str, Any]:
        value = inputs["value"]
        for route in config.routes:
            try:
                if compile_expression(route.when).evaluate({"value": value}):
                    return {route.name: value}
            except ExpressionError as exc:
                raise NodeError(f"route {route.name!r}: {exc}") from None
        return {DEFAULT: value}
