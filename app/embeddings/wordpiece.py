"""BERT's uncased WordPiece tokenizer in plain Python, to feed the bundled MiniLM model.

It follows Hugging Face's ``BertTokenizer`` (clean text, split CJK characters, lowercase, strip
accents, split punctuation, greedy longest-match word pieces), which is what the model was trained
with; doing it here saves a compiled dependency for a few dozen lines.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

MAX_WORD = 100


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _basic_tokens(text: str) -> list[str]:
    """Whitespace and punctuation split of lowercased, accent-stripped, cleaned text."""
    out: list[str] = []
    for ch in text:
        cp = ord(ch)
        if cp in (0, 0xFFFD):
            continue
        cat = unicodedata.category(ch)
        if ch in " \t\n\r" or cat == "Zs":
            out.append(" ")
        elif cat.startswith("C"):
            continue
        elif _is_cjk(cp):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    tokens: list[str] = []
    for word in "".join(out).split():
        word = "".join(
            c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(c) != "Mn"
        )
        piece = ""
        for ch in word:
            if _is_punctuation(ch):
                if piece:
                    tokens.append(piece)
                tokens.append(ch)
                piece = ""
            else:
                piece += ch
        if piece:
            tokens.append(piece)
    return tokens


class WordPiece:
    """Token ids for text, from a BERT ``vocab.txt`` (one token per line, the line number its id)."""

    def __init__(self, vocab_file: Path) -> None:
        lines = vocab_file.read_text(encoding="utf-8").splitlines()
        self.vocab = {token: i for i, token in enumerate(lines)}
        self.unk, self.cls, self.sep = (self.vocab[t] for t in ("[UNK]", "[CLS]", "[SEP]"))

    def _pieces(self, word: str) -> list[int]:
        if len(word) > MAX_WORD:
            return [self.unk]
        ids: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    ids.append(self.vocab[piece])
                    break
                end -= 1
            else:
                return [self.unk]
            start = end
        return ids

    def encode(self, text: str, max_length: int) -> list[int]:
        """``[CLS] pieces... [SEP]``, cut to ``max_length`` ids."""
        ids = [i for word in _basic_tokens(text) for i in self._pieces(word)]
        return [self.cls, *ids[: max_length - 2], self.sep]
