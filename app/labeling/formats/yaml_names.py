"""The ``names:`` entry of a YOLO ``data.yaml``, without a YAML library.

Only this one key matters to an import, and PyYAML is not a dependency, so a small line-based
reader covers the forms YOLO tools write: a flow list (``names: [cat, "hot dog"]``, possibly over
several lines), a block list (``- cat``) and an index mapping (``0: cat``, block or flow). Quoted
names follow YAML's rules for ``"…"`` (JSON-like escapes) and ``'…'`` (``''`` is a quote).
"""

from __future__ import annotations

import json


def parse_names(text: str) -> list[str] | None:
    """The class names in index order, or None when there is no readable top-level ``names:``."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        key, colon, rest = line.partition(":")
        if colon and key.rstrip() == "names":
            rest = _uncomment(rest).strip()
            if rest[:1] in ("[", "{"):
                return _flow(rest, lines[number + 1 :])
            return None if rest else _block(lines[number + 1 :])
    return None


def _flow(start: str, following: list[str]) -> list[str] | None:
    close = "]" if start[0] == "[" else "}"
    text = start
    for line in following:
        if close in _uncomment(text):
            break
        text += " " + _uncomment(line).strip()
    body = _uncomment(text).strip()
    if not body.endswith(close):
        return None
    entries = [e.strip() for e in _split(body[1:-1], ",") if e.strip()]
    if close == "]":
        return [_scalar(e) for e in entries]
    return _indexed(entries)


def _block(following: list[str]) -> list[str] | None:
    entries: list[str] = []
    for line in following:
        body = _uncomment(line).rstrip()
        if not body.strip():
            continue
        if not body[0].isspace() and not body.startswith("-"):
            break  # the next top-level key
        entries.append(body.strip())
    if entries and all(e.startswith("-") for e in entries):
        return [_scalar(e[1:]) for e in entries]
    return _indexed(entries) if entries else None


def _indexed(entries: list[str]) -> list[str] | None:
    """``0: cat`` entries as a list, when the indices are exactly 0 … n-1."""
    names: dict[int, str] = {}
    for entry in entries:
        key, colon, value = entry.partition(":")
        if not colon or not key.strip().isdigit():
            return None
        names[int(key)] = _scalar(value)
    if sorted(names) != list(range(len(names))):
        return None
    return [names[i] for i in range(len(names))]


def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return str(json.loads(text))
        except ValueError:
            return text[1:-1]
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return text


def _uncomment(line: str) -> str:
    """``line`` up to a ``#`` that starts a comment (at the start or after a space, outside quotes)."""
    return _split(line, "#", comment=True)[0]


def _split(text: str, sep: str, *, comment: bool = False) -> list[str]:
    """``text`` cut at each ``sep`` outside quotes (for a comment: only the first, after a space)."""
    parts, start, quote, escaped = [], 0, "", False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif quote:
            escaped = quote == '"' and char == "\\"
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == sep and (not comment or i == 0 or text[i - 1].isspace()):
            parts.append(text[start:i])
            start = i + 1
            if comment:
                return [*parts, text[start:]]
    return [*parts, text[start:]]
