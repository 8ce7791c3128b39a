"""``choose_path``: the file dialog the labeling and market screens open to pick what to import or where to
export — opened with ``open()``, never ``exec()`` (a nested event loop would stall asyncio), and
deleted when closed; the chosen path comes back through a callback.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWidget


def choose_path(
    parent: QWidget,
    caption: str,
    on_chosen: Callable[[str], object],
    *,
    folder: bool,
    directory: str = "",
    filters: list[str] | None = None,
) -> QFileDialog:
    """Open a dialog for a folder (``folder``) or an existing file matching ``filters``, starting in
    ``directory``; returns it so the caller (and tests) can hold it while it is open."""
    dialog = QFileDialog(parent, caption, directory)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if folder:
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(filters or [])
    dialog.fileSelected.connect(on_chosen)
    dialog.open()
    return dialog
