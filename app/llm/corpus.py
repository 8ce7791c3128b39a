"""The text the offline chat model learns from: Python's own reference documentation.

Every CPython ships the text of its language reference and some library topics as
``pydoc_data.topics`` (what ``help("if")`` prints): about 465,000 characters of English prose with
code samples, under the PSF License, on every machine that has Python. Nothing is downloaded. The
text depends on the Python release, so ``charlm.json`` records its version, size and SHA-256.

The model is meant to answer in prose, so each paragraph is unwrapped onto one line with its
indentation and runs of spaces collapsed, and tables and heading underlines are left out (their long
runs of spaces and dashes taught an earlier model to answer a blank line with more blanks).

Topics are documents; every tenth (in name order) is held out of training so the model's quality can
be measured on text it never saw.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass

SOURCE = "pydoc_data.topics"
LICENSE = "PSF License Version 2 (Python documentation)"
HELD_OUT_EVERY = 10
HELD_OUT_AT = 5

# Typographic characters the docs use a few times each, mapped to ASCII so the vocabulary stays small.
_ASCII = str.maketrans(
    {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\t": "    ", "\r": ""}
)


# The model's alphabet: newline and printable ASCII (96 characters). Anything else is dropped.
VOCAB = "\n" + "".join(chr(c) for c in range(32, 127))
_KNOWN = frozenset(VOCAB)


def to_ascii(text: str) -> str:
    """Typographic quotes, dashes and ellipses as ASCII, tabs as spaces."""
    return text.translate(_ASCII)


def normalise(text: str) -> str:
    """The training text: :func:`to_ascii`, and the few characters outside the alphabet (a degree
    sign, an eszett) left out."""
    text = to_ascii(text)
    return text if _KNOWN.issuperset(text) else "".join(c for c in text if c in _KNOWN)


def paragraphs(topic: str) -> str:
    """A topic as unwrapped paragraphs, one per line, separated by blank lines."""
    kept = []
    for block in re.split(r"\n\s*\n", normalise(topic)):
        text = re.sub(r"\s*([*=~^-])\1{2,}$", "", " ".join(block.split()))  # "Title *****" -> "Title"
        if not any(c.isalpha() for c in text) or text.count("|") > 4:
            continue  # a heading underline, a rule or a table
        kept.append(text)
    return "\n\n".join(kept)


@dataclass(frozen=True)
class Corpus:
    train: str
    held_out: str
    python: str  # the release whose pydoc topics these are, e.g. "3.11.7"

    @property
    def sha256(self) -> str:
        return hashlib.sha256((self.train + "\0" + self.held_out).encode("utf-8")).hexdigest()

    def describe(self) -> dict[str, object]:
        return {
            "source": f"{SOURCE} (CPython {self.python})",
            "license": LICENSE,
            "train_chars": len(self.train),
            "held_out_chars": len(self.held_out),
            "held_out": f"every {HELD_OUT_EVERY}th topic in name order, starting at index {HELD_OUT_AT}",
            "sha256": self.sha256,
        }


def load_corpus() -> Corpus:
    """Split this Python's pydoc topics into training and held-out text, joined by blank lines."""
    from pydoc_data.topics import topics  # stdlib; imported here so the app never loads 750 kB early

    train: list[str] = []
    held_out: list[str] = []
    for index, name in enumerate(sorted(topics)):
        part = held_out if index % HELD_OUT_EVERY == HELD_OUT_AT else train
        part.append(paragraphs(topics[name]))
    python = ".".join(str(n) for n in sys.version_info[:3])
    return Corpus("\n\n".join(train) + "\n", "\n\n".join(held_out) + "\n", python)
