"""Keep Python's recursion limit at a depth the C stack survives, whatever a library sets at import.

``py_ecc`` (which ``eth_account`` imports through ``eth_keys``) runs
``sys.setrecursionlimit(max(100000, ...))`` when imported. C code that recurses (``json``, ``repr``,
``pickle``, the compiler) checks only that limit, so at 100,000 a deeply nested input overflows the
C stack (SIGSEGV) long before Python would raise ``RecursionError``. The packages that import
``eth_account`` (``app.chain``, ``app.wallet``) call ``settle_recursion_limit`` when first imported:
if ``py_ecc`` is loaded it puts the limit back at once, else it arranges for that to happen right
after ``py_ecc``'s import runs. Importing ``py_ecc`` just to spend its side effect (as this did) cost
commands that never sign (``sahara wallet list``, ``label campaigns``) its import and a scan of the
installed packages' metadata for its version.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

# CPython's own default: safe on every platform's main and worker-thread stacks.
SAFE_RECURSION_LIMIT = 1000


def _lower() -> None:
    if sys.getrecursionlimit() > SAFE_RECURSION_LIMIT:
        sys.setrecursionlimit(SAFE_RECURSION_LIMIT)


class _SettleAfterPyEcc(MetaPathFinder):
    """Finds ``py_ecc`` through the other finders and lowers the limit right after it executes."""

    def find_spec(
        self, name: str, path: object = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name != "py_ecc":
            return None
        sys.meta_path.remove(self)  # once: the real finders answer from here on
        spec = importlib.util.find_spec(name)
        loader = spec.loader if spec is not None else None
        if loader is None:
            return spec
        spec.loader = _Settling(loader)  # type: ignore[union-attr]
        return spec


class _Settling(Loader):
    """``py_ecc``'s own loader, with the limit put back once its module has run."""

    def __init__(self, inner: Loader) -> None:
        self.inner = inner

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self.inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        try:
            self.inner.exec_module(module)
        finally:
            _lower()


def settle_recursion_limit() -> None:
    """Lower the limit now, and again right after ``py_ecc`` is imported if it is not yet."""
    _lower()
    if "py_ecc" not in sys.modules and not any(isinstance(f, _SettleAfterPyEcc) for f in sys.meta_path):
        sys.meta_path.insert(0, _SettleAfterPyEcc())
