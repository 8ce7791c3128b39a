"""The depth pre-scan of ``app.safe_json`` measures what the parser would recurse into, exactly.

Brackets, quotes and backslashes inside strings must not count; an escaped quote must not end a
string; a hostile string of escapes must not make the scan slow.
"""

from __future__ import annotations

import json
import time
from itertools import accumulate

import pytest
from fuzz_settings import fuzz
from hypothesis import given
from hypothesis import strategies as st

from app import safe_json

TRICKY = st.text(alphabet='[]{}"\\ab\u00e9\U0001f600', max_size=12)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY, inner, max_size=3),
    max_leaves=40,
)


def true_depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(true_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(true_depth, value.values()), default=0)
    return 0


@fuzz
@given(VALUES, st.booleans())
def test_depth_is_the_nesting_the_parser_sees(value: object, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert safe_json.depth(text) == true_depth(value)
    assert safe_json.loads(text) == value and safe_json.loads(text.encode("utf-16")) == value


@pytest.mark.parametrize("depth", [256, 257])
def test_the_limit_is_inclusive(depth: int) -> None:
    text = "[" * depth + "]" * depth
    if depth <= safe_json.MAX_DEPTH:
        assert safe_json.depth(text) == depth and safe_json.loads(text)
    else:
        with pytest.raises(safe_json.JsonDepthError, match=f"nested {depth} levels deep: refused"):
            safe_json.loads(text)


def test_brackets_in_strings_do_not_count_and_an_unterminated_string_runs_to_the_end() -> None:
    assert safe_json.loads('["' + "[" * 10_000 + '"]') == ["[" * 10_000]
    assert safe_json.depth('["\\\\", [[]]]') == 3 and safe_json.depth('["\\"[[[[", []]') == 2
    with pytest.raises(json.JSONDecodeError):  # not a depth error: the brackets are inside the string
        safe_json.loads('"' + "[" * 10_000)


def test_a_string_of_escapes_is_scanned_in_linear_time() -> None:
    hostile = '"' + '\\"' * 2_000_000 + "[" * 300  # quadratic for a naive backtracking scanner
    start = time.monotonic()
    with pytest.raises(ValueError):
        safe_json.loads(hostile)
    assert time.monotonic() - start < 5


def split_depth(text: str) -> int:
    """The scan as it was before its shortcuts (no backslash skip, no quote-pair drop): the reference."""
    raw = text.encode("utf-8", "surrogatepass").replace(b"\\\\", b"").replace(b'\\"', b"")
    outside = b"".join(raw.translate(None, safe_json._NOT_STRUCTURE).split(b'"')[::2])
    levels = list(accumulate(1 if mark in b"[{" else -1 for mark in outside))
    return max(levels, default=0)


@fuzz
@given(st.text(alphabet='[]{}"\\a ', max_size=40))
def test_the_shortcuts_measure_what_the_full_scan_measures(text: str) -> None:
    """Any text, JSON or not (unterminated strings, stray escapes, quotes around brackets)."""
    assert safe_json.depth(text) == split_depth(text)


def test_a_quote_pair_between_strings_keeps_their_brackets_inside() -> None:
    """Dropping ``""`` must not pull a bracket out of a string: ``"[" "]"`` leaves ``"[]"``."""
    hidden = '["' + "[" * 300 + '","' + "]" * 300 + '"]'
    assert safe_json.depth(hidden) == 1 and safe_json.loads(hidden) == ["[" * 300, "]" * 300]
    exposed = '["",' + "[" * 300 + "]" * 300 + "]"
    with pytest.raises(safe_json.JsonDepthError, match="nested 301 levels deep"):
        safe_json.loads(exposed)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_parse_leaves_garbage_collection_as_it_found_it(enabled: bool) -> None:
    import gc

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert safe_json.loads('{"a": [1]}') == {"a": [1]} and gc.isenabled() is enabled
        with pytest.raises(ValueError):
            safe_json.loads('{"a": ')
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.parametrize("padding", [10, safe_json.COUNT_BELOW])
def test_the_limit_holds_for_documents_counted_first_and_for_large_ones(padding: int) -> None:
    deep = "[" * 257 + '"' + "a" * padding + '"' + "]" * 257
    with pytest.raises(safe_json.JsonDepthError, match="nested 257 levels deep"):
        safe_json.loads(deep)
    hidden = '["' + "[" * padding + '"]'  # many brackets, all inside a string
    assert safe_json.loads(hidden) == ["[" * padding]
