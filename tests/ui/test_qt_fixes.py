"""The Qt binding cannot exhaust the reference counts of True and None (``app.ui.qt_fixes``):
PySide6 6.12.0 on Python 3.11 gives back references it never took on every emit and every void
call, and a running app used to abort with "bool_dealloc" / "none_dealloc"."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QPointF, Signal

import app.ui  # noqa: F401 - importing app.ui applies the fixes
from app.ui.qt_fixes import HEADROOM, install, refs_lost


class Source(QObject):
    plain = Signal()
    valued = Signal(object)


def test_many_emits_and_void_calls_leave_true_and_none_alive() -> None:
    source = Source()
    got: list[object] = []
    source.valued.connect(got.append)
    point = QPointF()
    for index in range(20_000):
        assert source.plain.emit() is True
        source.valued.emit(index)
        point.setY(float(index))
    for _ in range(2_000):
        source.plain.connect(got.clear)
        assert source.plain.disconnect(got.clear) is True
    assert got[-1] == 19_999 and len(got) == 20_000, "emit still delivers its arguments"
    for obj, call in ((True, source.plain.emit), (None, lambda: point.setX(1.0))):
        if refs_lost(obj, call):  # the defect is present: the fix must have made obj immortal
            assert sys.getrefcount(obj) > HEADROOM // 2


def test_installing_twice_changes_nothing() -> None:
    assert install() == []
