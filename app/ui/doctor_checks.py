"""The doctor's Qt check. It lives in app.ui because only app.ui may import Qt."""

from __future__ import annotations

from app.doctor import Check
from app.paths import AppPaths


def check_qt(_paths: AppPaths) -> Check:
    try:
        from PySide6 import QtCore, QtGui, QtWidgets  # noqa: F401 - importing proves the libraries load
    except ImportError as exc:
        return Check(
            "qt", False, f"PySide6 does not load: {exc}", "install the system's OpenGL/xcb libraries"
        )
    return Check("qt", True, f"PySide6 {QtCore.__version__}, Qt {QtCore.qVersion()}")
