"""JSON from anywhere outside the app's own files, parsed with a limit on nesting.

``json.loads`` recurses on the C stack once per ``[`` or ``{``. Python's recursion limit is meant to
stop it with a ``RecursionError`` first, but a library we depend on raises that limit to 100,000 at
import (see ``app.recursion``), and 200,000 nested brackets then crash the whole process with
SIGSEGV: an import file, a graph file, or any web API an HTTP tool node calls could kill the app.

So every document that comes from a file, a peer or a server goes through ``loads`` here, which
measures the bracket depth first, without recursing (brackets inside strings do not count), and
refuses a document nested deeper than ``MAX_DEPTH`` with ``JsonDepthError`` saying so. Real
documents are a few levels deep (COCO 4, a graph with subgraphs a few dozen); the limit leaves room.
"""

from __future__ import annotations

import gc
import json
from itertools import accumulate
from pathlib import Path
from typing import Any

MAX_DEPTH = 256
COUNT_BELOW = 1 << 16  # characters: check_depth counts brackets first up to this size
_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'"[]{}')
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


class JsonDepthError(ValueError):
    """The document nests arrays and objects deeper than the limit; it is refused unparsed."""


def depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text``, brackets inside strings left out.

    Only C-speed passes over the text, no regular expression: escaped backslashes go first (a
    run of them pairs up from the left, as a JSON reader reads it), then escaped quotes (text with
    no backslash, such as a node's hex answers, skips both); what is left of the quotes then splits
    the text into outside (even parts) and inside strings. An unterminated string runs to the end,
    as it does for the parser. UTF-8 keeps every ASCII byte.

    Two adjacent quotes, once all but quotes and brackets are gone, are dropped before the split:
    every mark after them keeps the parity of the quotes before it, so nothing moves in or out of
    a string, and a document whose strings hold no bracket (most) is left with no quote to split.
    """
    raw = text.encode("utf-8", "surrogatepass")
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = raw.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    outside = b"".join(marks.split(b'"')[::2]) if b'"' in marks else marks
    return max(accumulate(map(_STEP.__getitem__, outside)), default=0)


def check_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise ``JsonDepthError`` when ``text`` nests deeper than ``max_depth``.

    A small document is first counted: with no more brackets than the limit it cannot nest past
    it (the common case, a few microseconds saved per document). A large one (a node's answer of
    thousands of logs) has far more brackets than the limit, so the counts would only add passes."""
    if len(text) <= COUNT_BELOW and text.count("[") + text.count("{") <= max_depth:
        return
    found = depth(text)
    if found > max_depth:
        raise JsonDepthError(f"JSON nested {found} levels deep: refused (the limit is {max_depth})")


def loads(data: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` with ``JsonDepthError``.

    Bytes are decoded as ``json.loads`` decodes them (UTF-8, -16 or -32, found from the first
    bytes); every failure is a ``ValueError`` (``json.JSONDecodeError``, ``UnicodeDecodeError``
    or ``JsonDepthError``) whose message says why.
    """
    text = data if isinstance(data, str) else bytes(data).decode(json.detect_encoding(data), "surrogatepass")
    check_depth(text, max_depth)
    collecting = gc.isenabled()
    # The parse only makes new containers, none in a cycle: the collections their count would set
    # off in the middle of it (a node's 5 MB log answer makes tens of thousands) find nothing to
    # free. They are left for after it. Another thread's parse may turn collection back on early.
    gc.disable()
    try:
        return json.loads(text, **kwargs)
    except RecursionError as err:  # a stack smaller than the limit assumes: refuse all the same
        raise JsonDepthError(f"JSON nested too deeply for this process: refused ({err})") from None
    finally:
        if collecting:
            gc.enable()


def load_path(path: Path, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON document in the file ``path`` (read whole), as ``loads`` parses it."""
    return loads(path.read_bytes(), max_depth=max_depth)
