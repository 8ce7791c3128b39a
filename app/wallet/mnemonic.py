"""BIP-39 mnemonics: make them, and check them with an error a person can act on.

"Invalid mnemonic" helps nobody; "word 7, 'abandn', is not a BIP-39 word — did you mean 'abandon'?"
does. The checks run in the order a person would fix things: count, then each word, then checksum.
"""

from __future__ import annotations

import difflib
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eth_account.hdaccount.mnemonic import Mnemonic

WORD_COUNTS = (12, 15, 18, 21, 24)


@cache
def _bip39() -> Mnemonic:
    """eth-account's English BIP-39, imported on first use: it pulls in seconds of imports that
    ``sahara wallet list`` and the error classes here do not need."""
    from eth_account.hdaccount.mnemonic import Language, Mnemonic

    return Mnemonic(Language.ENGLISH)


class MnemonicError(ValueError):
    """The phrase is not a valid BIP-39 mnemonic; ``word_index`` (1-based) points at the bad word."""

    def __init__(self, message: str, word_index: int | None = None) -> None:
        super().__init__(message)
        self.word_index = word_index


def normalize(phrase: str) -> str:
    """NFKD, lower case, single spaces: the form BIP-39 hashes, whatever the user pasted."""
    return " ".join(unicodedata.normalize("NFKD", phrase).lower().split())


def generate(words: int = 12) -> str:
    if words not in (12, 24):
        raise ValueError("a new wallet uses 12 or 24 words")
    return _bip39().generate(words)


def validate(phrase: str) -> str:
    """Return the normalized phrase, or raise ``MnemonicError`` saying what is wrong and where."""
    words = normalize(phrase).split()
    if len(words) not in WORD_COUNTS:
        raise MnemonicError(f"A recovery phrase has 12, 15, 18, 21 or 24 words; this one has {len(words)}.")
    wordlist = _bip39().wordlist
    known = set(wordlist)
    for position, word in enumerate(words, start=1):
        if word not in known:
            close = difflib.get_close_matches(word, wordlist, n=3, cutoff=0.6)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise MnemonicError(f"Word {position}, '{word}', is not in the BIP-39 word list.{hint}", position)
    normalized = " ".join(words)
    if not _bip39().is_mnemonic_valid(normalized):
        raise MnemonicError(
            "Every word is valid but the checksum does not match: a word is mistyped or out of order."
        )
    return normalized
