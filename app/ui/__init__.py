"""All Qt code. Importing it first makes the Qt binding safe to use (``app.ui.qt_fixes``)."""

from app.ui.qt_fixes import install as _install_qt_fixes

_install_qt_fixes()
