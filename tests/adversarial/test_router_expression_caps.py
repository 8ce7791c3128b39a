"""Issue 12 item 6: no router expression can build a value past the size cap, by any operator.

``'%0999999999d' % 1`` reached 2 GB before the fix. Each attack must be refused quickly (before
it allocates) with a message that says why; operators and methods outside the language are
refused when the expression is compiled.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.studio.expr import MAX_SIZE, Expression, ExpressionError

BIG = {"text": "x" * 60_000, "table": {"v": "y" * 60_000}, "n": 1}


def refused_fast(source: str, message: str, env: dict[str, Any] = BIG) -> None:
    start = time.monotonic()
    with pytest.raises(ExpressionError, match=message):
        Expression(source).evaluate(env)
    assert time.monotonic() - start < 2, f"{source!r} was computed before being refused"


@pytest.mark.parametrize(
    "source",
    [
        "'%0999999999d' % 1",
        "'%.999999999f' % 1.5",
        "'%.999999999d' % n",
        "'%999999999s' % 'x'",
        "b'%0999999999d' % 1",
        "'%(v)0999999999d' % {'v': 1}",
        "'%(v)s%(v)s' % table",  # arguments repeated by their keys: 2 x 60,000
        "('%(v)s' * 20) % table",
        "'%r' % text",  # a repr may print a character as \\U0001f600
        "'%099999999999999999999999999999d' % 1",  # a width too long to even read
    ],
)
def test_percent_formatting_is_capped(source: str) -> None:
    refused_fast(source, f"result longer than {MAX_SIZE}")


def test_star_widths_are_refused() -> None:
    refused_fast("'%*d' % table", "'\\*' widths are not allowed")


@pytest.mark.parametrize(
    "source",
    ["'x' * 999999999", "999999999 * 'x'", "b'x' * 999999999", "[0] * 999999999", "text * 2", "text + text"],
)
def test_repetition_and_concatenation_are_capped(source: str) -> None:
    refused_fast(source, f"result longer than {MAX_SIZE}")


def test_round_with_a_huge_digit_count_is_refused() -> None:
    refused_fast("round(10, -10000000)", "at most 100 digits")  # 10**(10**7): minutes of CPU


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("2 ** 999999999", "Pow is not allowed"),
        ("1 << 999999999", "LShift is not allowed"),
        ("f'{n:>999999999}'", "JoinedStr is not allowed"),
        ("format(n, '>999999999')", "only these functions"),
        ("'{:>999999999}'.format(n)", "Attribute is not allowed|only these functions"),
        ("'x'.ljust(999999999)", "Attribute is not allowed|only these functions"),
        ("'x'.center(999999999)", "Attribute is not allowed|only these functions"),
        ("'x'.zfill(999999999)", "Attribute is not allowed|only these functions"),
        ("text.join(text)", "Attribute is not allowed|only these functions"),
        ("text.replace('', text)", "Attribute is not allowed|only these functions"),
        ("'\\t'.expandtabs(999999999)", "Attribute is not allowed|only these functions"),
    ],
)
def test_other_growing_operators_are_not_in_the_language(source: str, message: str) -> None:
    refused_fast(source, message)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("'%.2f' % 1.005", "1.00"),
        ("'%(v)s!' % {'v': 'hi'}", "hi!"),
        ("'100%%'  % {}", "100%"),
        ("n % 2", 1),
        ("round(2.675, 2)", 2.67),
        ("round(1234, -2)", 1200),
        ("'ab' * 3 + 'c'", "abababc"),
        ("len(text + 'z')", 60_001),
    ],
)
def test_ordinary_uses_still_work(source: str, value: Any) -> None:
    assert Expression(source).evaluate(BIG) == value
