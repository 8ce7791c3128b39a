"""Logging set-up: a rotating file in the log folder plus stderr, with secrets scrubbed.

Keys and mnemonics must never reach a log. Code should not log them in the first place; the filter
here is a second line of defence that redacts anything shaped like a private key or a seed phrase.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_PRIVATE_KEY = re.compile(r"\b(0x)?[0-9a-fA-F]{64}\b")
# Twelve or more lowercase words in a row looks like a BIP-39 mnemonic.
_MNEMONIC = re.compile(r"\b(?:[a-z]{3,8}\s+){11,23}[a-z]{3,8}\b")
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def redact(text: str) -> str:
    """Replace anything that looks like a private key or a mnemonic with a marker."""
    return _MNEMONIC.sub("[redacted mnemonic]", _PRIVATE_KEY.sub("[redacted key]", text))


def short_hash(value: str) -> str:
    """A 32-byte hash (a transaction's) cut to its ends for a log line.

    Whole, it has a private key's shape and the filter below would redact it, which left the log
    with no way to tell transactions apart; the ends are enough to find it in the wallet history.
    """
    return f"{value[:10]}…{value[-6:]}" if len(value) > 20 else value


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message with secrets removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(log_file: Path, level: str = "INFO", to_stderr: bool = True) -> None:
    """Configure the root logger once; calling again replaces the handlers (tests, level change)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    ]
    if to_stderr:
        stream = logging.StreamHandler()
        stream.setLevel(logging.WARNING)
        handlers.append(stream)
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.setLevel(level)
