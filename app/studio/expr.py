"""A tiny, safe expression language for routers: Python syntax, no ``eval``.

Allowed: literals, names of the given variables, ``and``/``or``/``not``, comparisons (``in`` too),
arithmetic (no ``**``), ``x if c else y``, indexing (``value["label"]``, ``items[0]``) and calls of a
few named functions. Everything else (attributes, lambdas, comprehensions, dunder tricks) is refused
when the expression is compiled, so a shared graph cannot reach the interpreter.

Nothing may build a value past ``MAX_SIZE`` either: each operator that can grow one (``*``
repetition, ``+`` concatenation, ``%`` string formatting with its widths, precisions and
arguments, ``round`` with huge digit counts) is checked *before* it runs, since checking after
would be after the memory is gone. ``**``, ``<<``, f-strings, ``format`` and string methods are
not in the language at all (no attributes, no such operators).
"""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Callable, Mapping
from typing import Any

from app.studio import sizes

MAX_LENGTH = 2_000
MAX_SIZE = 100_000  # longest string, bytes or list an operator may build
MAX_ROUND_DIGITS = 100  # round(10, -10**7) computes 10**(10**7): minutes of CPU


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "abs": abs,
    "min": min,
    "max": max,
    "round": lambda number, digits=None: round(number, _round_digits(digits)),
    "lower": lambda s: str(s).lower(),
    "upper": lambda s: str(s).upper(),
    "startswith": lambda s, p: str(s).startswith(p),
    "endswith": lambda s, p: str(s).endswith(p),
}
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_CONSTANTS = {"true": True, "false": False, "null": None}
_ALLOWED = (
    ast.Expression,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Compare,
    ast.IfExp,
    ast.Subscript,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Call,
    *_BINARY,
    *_COMPARE,
)


class ExpressionError(ValueError):
    """An expression that is not allowed, does not parse, or fails on the given values."""


class Expression:
    """A checked expression; ``evaluate`` it with variables as often as needed."""

    def __init__(self, source: str) -> None:
        if len(source) > MAX_LENGTH:
            raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
        try:
            self._tree = ast.parse(source.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"syntax error: {exc.msg}") from None
        for node in ast.walk(self._tree):
            if not isinstance(node, _ALLOWED):
                raise ExpressionError(f"{type(node).__name__} is not allowed in an expression")
            if isinstance(node, ast.Call) and not (
                isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS and not node.keywords
            ):
                raise ExpressionError(f"only these functions may be called: {', '.join(FUNCTIONS)}")
        self.source = source

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        try:
            return _eval(self._tree.body, variables)
        except ExpressionError:
            raise
        except Exception as exc:
            raise ExpressionError(f"{self.source!r} failed: {type(exc).__name__}: {exc}") from None


@functools.lru_cache(maxsize=512)
def compile_expression(source: str) -> Expression:
    """A checked expression, compiled once per distinct source."""
    return Expression(source)


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    match node:
        case ast.Constant(value=value):
            return value
        case ast.Name(id=name):
            if name in env:
                return env[name]
            if name in _CONSTANTS:
                return _CONSTANTS[name]
            raise ExpressionError(f"unknown name {name!r}")
        case ast.BoolOp(op=op, values=values):
            result: Any = isinstance(op, ast.And)
            for value in values:
                result = _eval(value, env)
                if bool(result) != isinstance(op, ast.And):
                    return result
            return result
        case ast.UnaryOp(op=op, operand=operand):
            value = _eval(operand, env)
            return not value if isinstance(op, ast.Not) else (-value if isinstance(op, ast.USub) else +value)
        case ast.BinOp(left=left, op=op, right=right):
            a, b = _eval(left, env), _eval(right, env)
            if (check := _CHECKS.get(type(op))) is not None:  # -, /, //: no larger than the operands
                try:
                    check(a, b, MAX_SIZE)
                except sizes.TooLarge as exc:
                    raise ExpressionError(str(exc)) from None
            return _BINARY[type(op)](a, b)
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            current = _eval(left, env)
            for op, comparator in zip(ops, comparators, strict=True):
                nxt = _eval(comparator, env)
                if not _COMPARE[type(op)](current, nxt):
                    return False
                current = nxt
            return True
        case ast.IfExp(test=test, body=body, orelse=orelse):
            return _eval(body, env) if _eval(test, env) else _eval(orelse, env)
        case ast.Subscript(value=value, slice=index):
            return _eval(value, env)[_eval(index, env)]
        case ast.List(elts=elts) | ast.Tuple(elts=elts):
            return [_eval(e, env) for e in elts]
        case ast.Dict(keys=keys, values=values):
            if None in keys:
                raise ExpressionError("** is not allowed in an expression")
            return {_eval(k, env): _eval(v, env) for k, v in zip(keys, values, strict=True)}  # type: ignore[arg-type]
        case ast.Call(func=ast.Name(id=name), args=args):
            return FUNCTIONS[name](*(_eval(a, env) for a in args))
    raise ExpressionError(f"{type(node).__name__} is not allowed in an expression")


def _round_digits(digits: Any) -> Any:
    if isinstance(digits, int) and abs(digits) > MAX_ROUND_DIGITS:
        raise ExpressionError(f"round() takes at most {MAX_ROUND_DIGITS} digits either way")
    return digits


_CHECKS: dict[type[ast.operator], Callable[[Any, Any, int], None]] = {
    ast.Mult: sizes.repeat,
    ast.Add: sizes.concat,
    ast.Mod: sizes.percent_format,
}
