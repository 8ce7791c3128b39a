"""Prompt template: Jinja2 text with one input per variable, rendered in a sandbox.

The sandbox refuses unsafe attribute access, so a template from a shared agent cannot reach Python
internals; undefined variables are errors rather than silent blanks.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field

from app.studio.context import NodeContext
from app.studio.ports import NodePorts, Port, PortType
from app.studio.registry import NodeConfig, NodeError, NodeType, register

if TYPE_CHECKING:
    from jinja2 import Template

    from app.studio.sandbox import CappedSandbox


class TemplateConfig(NodeConfig):
    template: str = Field("{{ text }}", max_length=100_000)


@functools.cache
def environment() -> CappedSandbox:
    """The one sandboxed Jinja environment (also used by the HTTP tool's URL templates), with a
    size limit on everything a template builds (``app.studio.sandbox``)."""
    from jinja2 import StrictUndefined

    from app.studio.sandbox import CappedSandbox

    return CappedSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


@functools.lru_cache(maxsize=256)
def variables(source: str) -> tuple[str, ...]:
    """The names a template reads from its inputs, in a stable order; raises on a syntax error."""
    from jinja2 import meta

    env = environment()
    names = meta.find_undeclared_variables(env.parse(source)) - set(env.globals)
    return tuple(sorted(names))


@functools.lru_cache(maxsize=256)
def compiled(source: str) -> Template:
    return environment().from_string(source)


def render(source: str, values: Mapping[str, Any]) -> str:
    """Render ``source``; any error while rendering (a sandbox refusal, a bad filter argument, an
    undefined name) becomes a ``NodeError`` with its message."""
    from app.studio.sandbox import render_capped

    try:
        return render_capped(compiled(source), values)
    except Exception as exc:
        raise NodeError(f"template: {exc}") from None


def syntax_problems(source: str) -> list[str]:
    from jinja2 import TemplateSyntaxError

    try:
        variables(source)
    except TemplateSyntaxError as exc:
        return [f"template line {exc.lineno}: {exc.message}"]
    return []


@register
class PromptTemplateNode(NodeType):
    type_name = "prompt_template"
    title = "Prompt template"
    category = "Text"
    description = "Fill a Jinja2 template; each {{ variable }} becomes an input."
    Config = TemplateConfig

    def check(self, config: TemplateConfig) -> list[str]:
        return syntax_problems(config.template)

    def ports(self, config: TemplateConfig) -> NodePorts:
        names = variables(config.template) if not syntax_problems(config.template) else ()
        return NodePorts(inputs=tuple(Port(name) for name in names), outputs=(Port("text", PortType.TEXT),))

    async def run(
        self, ctx: NodeContext, config: TemplateConfig, inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {"text": render(config.template, inputs)}
