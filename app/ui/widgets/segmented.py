"""``segmented``: a row of checkable buttons drawn as one control (the stylesheet's ``segment``
property rounds the outer ends), one of which is checked: the Label page's tabs, the onboarding's
"12 words | 24 words". Each is an ``ActionButton``, so Return on a focused segment picks it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton

from app.ui.widgets import ActionButton


def segmented(
    labels: list[str], parent: QObject | None = None
) -> tuple[QHBoxLayout, QButtonGroup, list[QPushButton]]:
    """The row, its exclusive group (ids are the indexes of ``labels``) and the buttons, the first
    checked. Segments take the focus by Tab only, so a click does not leave a focus ring behind."""
    row = QHBoxLayout()
    row.setSpacing(0)
    group = QButtonGroup(parent)
    buttons: list[QPushButton] = []
    for index, label in enumerate(labels):
        button = ActionButton(label)
        button.setCheckable(True)
        button.setAutoDefault(False)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.setProperty(
            "segment", "first" if index == 0 else "last" if index == len(labels) - 1 else "mid"
        )
        if 0 < index < len(labels) - 1:
            button.setStyleSheet("border-left: none;")  # neighbours share one border
        group.addButton(button, index)
        row.addWidget(button)
        buttons.append(button)
    buttons[0].setChecked(True)
    return row, group, buttons
