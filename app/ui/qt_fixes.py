"""Workarounds for defects in the Qt binding, applied once when ``app.ui`` is imported.

PySide6 6.12.0 on Python 3.11 hands back references it never took: every ``Signal.emit`` and
``disconnect`` called from Python returns ``True`` without a reference to it, and every method
returning ``void`` (``QPainter.setBrush``, ``QGraphicsItem.setPos``, ``QLabel.setText``, ...)
returns ``None`` the same way. After some thousands of calls (the status bar alone emits once a
second; the canvas makes tens of thousands of void calls a second while painting) the count hits
zero and the interpreter aborts with "Fatal Python error: bool_dealloc" / "none_dealloc".

On Python 3.12+ these singletons are immortal and the defect is harmless. ``install`` measures
whether the running binding has it and, only then, raises the object's reference count by 2**60,
which no session can use up: the same immortality 3.12 gives them natively. It costs nothing per
call, unlike wrapping every affected method.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, Signal

PROBES = 64
HEADROOM = 1 << 60


class _Probe(QObject):
    fired = Signal()


def refs_lost(obj: object, call: Callable[[], object], times: int = PROBES) -> int:
    """How many references to ``obj`` ``times`` calls of ``call`` gave back without taking them."""
    before = sys.getrefcount(obj)
    for _ in range(times):
        call()
    return max(0, before - sys.getrefcount(obj))


def _immortalize(obj: object) -> None:
    import ctypes  # only where the defect is present

    refcount = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt: the first field of every object
    refcount.value += HEADROOM


def install() -> list[str]:
    """Make ``True`` / ``None`` effectively immortal where this binding needs it; returns which."""
    if sys.version_info >= (3, 12):
        return []
    probe, point = _Probe(), QPointF()
    checks: dict[str, tuple[object, Callable[[], object]]] = {
        "True": (True, probe.fired.emit),
        "None": (None, lambda: point.setX(1.0)),
    }
    fixed = []
    for name, (obj, call) in checks.items():
        if sys.getrefcount(obj) < HEADROOM // 2 and refs_lost(obj, call):  # not yet made immortal
            _immortalize(obj)
            fixed.append(name)
    return fixed
