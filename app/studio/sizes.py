"""Checks, made *before* an operation runs, that it cannot build a value past a size limit.

Router expressions and templates come with shared graphs, so ``'%0999999999d' % 1`` or
``'x'.ljust(10**9)`` is an attack: checking the result afterwards is too late, the memory is gone.
Each function estimates (from above) how long its operation's result can be and raises
``TooLarge`` when that passes ``limit``. Used by ``app.studio.expr`` and ``app.studio.sandbox``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from string import Formatter
from typing import Any

_NUMBER_TEXT = 400  # the most characters a conversion prints an int or float in, without width
_ESCAPED = 10  # repr/ascii may print one character as \U0001f600
# One printf-style conversion: %[(key)][flags][width][.precision][length]type
_CONVERSION = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d*))?[hlL]?(?P<type>.)",
    re.DOTALL,
)
_DIGITS = re.compile(r"\d+")
SIZED = (str, bytes, list, tuple)


class TooLarge(ValueError):
    """The operation would build a value longer than the limit; it did not run."""


def check(size: int, limit: int) -> None:
    if size > limit:
        raise TooLarge(f"result longer than {limit}")


def _number(text: str, limit: int) -> int:
    """A width or count written in a format: thousands of digits are refused before ``int`` reads them."""
    if len(text) > len(str(limit)):
        raise TooLarge(f"result longer than {limit}")
    return int(text)


def repeat(a: Any, b: Any, limit: int) -> None:
    """``a * b`` for a sequence and a count, either way round."""
    for seq, count in ((a, b), (b, a)):
        if isinstance(seq, SIZED) and isinstance(count, int):
            check(count * len(seq), limit)


def concat(a: Any, b: Any, limit: int) -> None:
    if isinstance(a, SIZED) and isinstance(b, SIZED):
        check(len(a) + len(b), limit)


def power(base: Any, exponent: Any, limit: int) -> None:
    """``base ** exponent`` for integers: its digits, from its bits (``9 ** 9999999`` takes minutes)."""
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        check(int(exponent * math.log10(abs(base))) + 1, limit)


def percent_format(template: Any, args: Any, limit: int) -> None:
    """``template % args``: the template, plus per conversion its width, precision and longest argument."""
    if not isinstance(template, str | bytes):
        return  # a number: the remainder is no larger than its operands
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    values = (
        list(args.values()) if isinstance(args, Mapping) else list(args) if isinstance(args, tuple) else []
    )
    longest = max((len(str(v)) for v in [args, *values]), default=0)
    size = len(text)
    for match in _CONVERSION.finditer(text):
        if match["type"] == "%":  # a literal percent sign
            continue
        width, precision = match["width"] or "0", match["precision"] or "0"
        if "*" in (width, precision):
            raise TooLarge("'*' widths are not allowed in % formatting")
        escaped = _ESCAPED if match["type"] in "ra" else 1
        size += _number(width, limit) + _number(precision, limit) + max(longest * escaped, _NUMBER_TEXT)
        check(size, limit)


def brace_format(template: str, args: Sequence[Any], kwargs: Mapping[str, Any], limit: int) -> None:
    """``template.format(*args, **kwargs)``: the template, plus per field the numbers in its spec
    (widths, precisions) and the longest argument."""
    values = [*args, *kwargs.values()]
    longest = max((len(str(v)) * _ESCAPED for v in values), default=0)
    size = len(template)
    for _text, field, spec, _conversion in Formatter().parse(template):
        if field is None:
            continue
        size += sum(_number(n, limit) for n in _DIGITS.findall(spec or "")) + max(longest, _NUMBER_TEXT)
        check(size, limit)


def str_method(receiver: Any, name: str, args: Sequence[Any], kwargs: Mapping[str, Any], limit: int) -> None:
    """A string method that can grow its string: padding, tabs, replacing, joining, formatting."""
    if not isinstance(receiver, str | bytes):
        return
    given = [*args, *kwargs.values()]
    if name in ("ljust", "rjust", "center", "zfill") and given and isinstance(given[0], int):
        check(given[0], limit)
    elif name == "expandtabs":
        tab = given[0] if given and isinstance(given[0], int) else 8
        check(len(receiver) + receiver.count("\t" if isinstance(receiver, str) else b"\t") * tab, limit)
    elif name == "replace" and len(given) >= 2 and isinstance(given[0], str | bytes):
        old, new = given[0], given[1]
        hits = receiver.count(old) if old else len(receiver) + 1
        check(len(receiver) + hits * len(new), limit)
    elif name == "join" and given:
        items = list(given[0]) if isinstance(given[0], Sequence) else []
        check(sum(len(str(i)) for i in items) + len(receiver) * len(items), limit)
    elif name in ("format", "format_map") and isinstance(receiver, str):
        mapping = given[0] if name == "format_map" and given and isinstance(given[0], Mapping) else kwargs
        brace_format(receiver, args if name == "format" else (), mapping, limit)
