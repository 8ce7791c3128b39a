"""The Jinja sandbox templates from shared graphs run in, with a size limit on every value they build.

Jinja's own sandbox keeps a template away from Python internals but lets it build any amount of
data: ``{{ 'x' * 10**9 }}``, ``{{ '%0999999999d' % 1 }}``, ``{{ 'x'.ljust(10**9) }}``,
``{{ 'x'|center(10**9) }}``, ``{{ 9 ** 9999999 }}``, ``{{ lipsum(10**9) }}``, or a list that
doubles itself with ``extend``. ``CappedSandbox`` checks each of those before it runs (see
``app.studio.sizes``), refuses changes to lists and dicts (Jinja's immutable sandbox), and
``render_capped`` stops the output itself at ``MAX_OUTPUT`` characters and the numbers all the
``range()`` calls of one render make at ``MAX_STEPS`` (two nested ``range(100000)`` loops would run
for hours without printing anything). Loops over the inputs themselves are bounded by the inputs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from jinja2 import Template
from jinja2.filters import FILTERS
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError, safe_range

from app.studio import sizes

MAX_OUTPUT = 2_000_000  # characters a template may produce, and any value it may build
MAX_LIPSUM = 100  # paragraphs of placeholder text
MAX_STEPS = 1_000_000  # numbers the range() calls of one render may make together
_steps_left: ContextVar[list[int] | None] = ContextVar("template_steps_left", default=None)

_BINOPS: dict[str, Callable[[Any, Any, int], None]] = {
    "*": sizes.repeat,
    "+": sizes.concat,
    "%": sizes.percent_format,
    "**": sizes.power,
}


def _capped_filter(name: str, check: Callable[..., None]) -> Callable[..., Any]:
    """Jinja's filter ``name``, run only after ``check`` saw its arguments."""
    original = FILTERS[name]

    @functools.wraps(original)  # keeps Jinja's pass_environment / pass_eval_context marker
    def capped(*args: Any, **kwargs: Any) -> Any:
        check(*args, **kwargs)
        return original(*args, **kwargs)

    return capped


def _width(value: Any, width: Any = 0, *_: Any, **__: Any) -> None:
    """center/indent: the width (a number, or indent's string) added to each line at most."""
    if isinstance(width, int):
        sizes.check(len(str(value)) + (str(value).count("\n") + 1) * width, MAX_OUTPUT)
    elif isinstance(width, str):
        sizes.check(len(str(value)) + (str(value).count("\n") + 1) * len(width), MAX_OUTPUT)


def _format(value: Any, *args: Any, **kwargs: Any) -> None:
    sizes.percent_format(value, kwargs or tuple(args), MAX_OUTPUT)


def _replace(eval_ctx: Any, value: Any, old: Any, new: Any, count: Any = None) -> None:
    sizes.str_method(str(value), "replace", [str(old), str(new)], {}, MAX_OUTPUT)


def _batch(value: Any, count: Any = 1, *_: Any, **__: Any) -> None:
    """batch: a group length, the last group padded up to it."""
    if isinstance(count, int):
        sizes.check(count, MAX_OUTPUT)


def _slice(eval_ctx: Any, value: Any, count: Any = 1, *_: Any, **__: Any) -> None:
    """slice: a number of groups, each allocated."""
    _batch(value, count)


def _wordwrap(environment: Any, value: Any, width: int = 79, *args: Any, **kwargs: Any) -> None:
    wrap = kwargs.get("wrapstring") or (args[1] if len(args) > 1 else None) or "\n"
    lines = len(str(value)) // max(int(width) if isinstance(width, int) else 1, 1) + 1
    sizes.check(len(str(value)) + lines * len(str(wrap)), MAX_OUTPUT)


_FILTER_CHECKS: dict[str, Callable[..., None]] = {
    "center": _width,
    "indent": _width,
    "format": _format,
    "replace": _replace,
    "batch": _batch,
    "slice": _slice,
    "wordwrap": _wordwrap,
}


class CappedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with every value-building operation checked against ``MAX_OUTPUT``."""

    intercepted_binops = frozenset(_BINOPS)  # also keeps the compiler from folding them at load

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for name, check in _FILTER_CHECKS.items():
            self.filters[name] = _capped_filter(name, check)
        lipsum = self.globals["lipsum"]

        def capped_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
            if not all(isinstance(v, int) for v in (n, min, max)) or n > MAX_LIPSUM or max > 1000:
                raise SecurityError(f"lipsum() makes at most {MAX_LIPSUM} paragraphs of at most 1000 words")
            return lipsum(n, html, min, max)

        self.globals["lipsum"] = capped_lipsum
        self.globals["range"] = _counted_range

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _checked(_BINOPS[operator], left, right, MAX_OUTPUT)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        method = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by the sandbox
        receiver, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
        _checked(sizes.str_method, receiver, name, args, kwargs, MAX_OUTPUT)
        return super().call(__context, __obj, *args, **kwargs)


def _counted_range(*args: int) -> range:
    """Jinja's ``range`` (at most 100,000 numbers at once), counted against the render's steps."""
    numbers = safe_range(*args)
    left = _steps_left.get()
    if left is not None:
        left[0] -= len(numbers)
        if left[0] < 0:
            raise SecurityError(f"the template loops over more than {MAX_STEPS} numbers")
    return numbers


def _checked(check: Callable[..., None], *args: Any) -> None:
    try:
        check(*args)
    except sizes.TooLarge as exc:
        raise SecurityError(f"the template would build a value too large ({exc})") from None


def render_capped(template: Template, values: Mapping[str, Any]) -> str:
    """``template`` rendered piece by piece, stopped once it passes ``MAX_OUTPUT`` characters
    (a loop can emit a little text many times)."""
    parts, total = [], 0
    token = _steps_left.set([MAX_STEPS])
    try:
        for part in template.generate(**values):
            total += len(part)
            if total > MAX_OUTPUT:
                raise SecurityError(f"the template's output is longer than {MAX_OUTPUT} characters")
            parts.append(part)
    finally:
        _steps_left.reset(token)
    return "".join(parts)
