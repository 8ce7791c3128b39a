"""Keep Python's recursion limit at a depth the C stack survives, whatever a library sets at import.

``py_ecc`` (which ``eth_account`` imports through ``eth_keys``) runs
``sys.setrecursionlimit(max(100000, ...))`` when imported. C code that recurses (``json``, ``repr``,
``pickle``, the compiler) checks only that limit, so at 100,000 a deeply nested input overflows the
C stack (SIGSEGV) long before Python would raise ``RecursionError``. ``settle_recursion_limit``
imports ``py_ecc`` once, so its import-time call is spent, then puts the limit back. The packages
that import ``eth_account`` (``app.chain``, ``app.wallet``) call it when first imported.
"""

from __future__ import annotations

import sys

# CPython's own default: safe on every platform's main and worker-thread stacks.
SAFE_RECURSION_LIMIT = 1000


def settle_recursion_limit() -> None:
    """Import ``py_ecc`` now (its import raises the limit, once per process), then lower the limit."""
    import py_ecc  # noqa: F401  (imported for its side effect, which this undoes)

    if sys.getrecursionlimit() > SAFE_RECURSION_LIMIT:
        sys.setrecursionlimit(SAFE_RECURSION_LIMIT)
