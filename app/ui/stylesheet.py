"""The Qt stylesheet, written once against the theme's colour roles.

Widgets opt in by object name (``#Card``, ``#NavButton``) or by the ``role`` property, so a widget
that sets neither keeps the plain Fusion look tinted by the palette.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.theme import Colors

# Qt stylesheets want forward slashes in url(), on Windows too.
ASSET_DIR = Path(__file__).with_name("assets").as_posix()

_TEMPLATE = """
QMainWindow, QWidget#Content, QWidget#PageBody {{ background: {window}; }}
QScrollArea, QScrollArea > QWidget > QWidget {{ background: transparent; border: none; }}
QToolTip {{ background: {surface_alt}; color: {text}; border: 1px solid {border}; padding: 4px 6px; }}

QWidget#Sidebar {{ background: {sidebar}; border-right: 1px solid {border}; }}
QLabel#SidebarTitle {{ color: {text}; font-size: 15px; font-weight: 600; }}
QLabel#SidebarCaption {{ color: {faint}; font-size: 11px; }}
QPushButton#NavButton {{
    text-align: left; padding: 8px 10px; border: none; border-radius: 7px;
    color: {muted}; background: transparent; font-size: 13px;
}}
QPushButton#NavButton:hover {{ background: {hover}; color: {text}; }}
QPushButton#NavButton:checked {{ background: {selected}; color: {text}; font-weight: 600; }}

QLabel[role="title"] {{ color: {text}; font-size: 22px; font-weight: 600; }}
QLabel[role="subtitle"] {{ color: {muted}; font-size: 13px; }}
QLabel[role="section"] {{ color: {text}; font-size: 14px; font-weight: 600; }}
QLabel[role="muted"] {{ color: {muted}; }}
QLabel[role="hint"] {{ color: {faint}; font-size: 12px; }}
QLabel[role="caption"] {{ color: {muted}; font-size: 11px; font-weight: 600; }}
QLabel[role="value"] {{ color: {text}; font-size: 16px; font-weight: 600; }}
QLabel[role="mono"] {{ color: {text}; font-family: monospace; font-size: 12px; }}
QLabel[role="empty-title"] {{ color: {text}; font-size: 18px; font-weight: 600; }}
QLabel[role="empty-body"] {{ color: {muted}; font-size: 13px; }}
QLabel[role="bullet"] {{ color: {text}; font-size: 13px; }}
QLabel[role="badge"] {{
    color: {accent}; background: {accent_soft}; border-radius: 9px; padding: 2px 9px;
    font-size: 11px; font-weight: 600;
}}

QFrame#Card {{ background: {surface}; border: 1px solid {border}; border-radius: 10px; }}
QFrame#Card QLabel {{ background: transparent; }}
QFrame#Separator {{ background: {border}; border: none; max-height: 1px; min-height: 1px; }}

QFrame#Banner {{ border-radius: 8px; border: 1px solid {warning}; background: {warning_soft}; }}
QFrame#Banner[level="error"] {{ border-color: {danger}; }}
QFrame#Banner[level="info"] {{ border-color: {accent}; background: {accent_soft}; }}
QFrame#Banner QLabel {{ color: {text}; background: transparent; }}

QLabel[role="dialog-title"] {{ color: {text}; font-size: 18px; font-weight: 600; }}
QLabel[role="error"] {{ color: {danger}; font-size: 12px; }}
QLabel[role="ok"] {{ color: {success}; font-size: 12px; }}
QLabel[role="row-title"] {{ color: {text}; font-size: 13px; font-weight: 600; }}
QLabel[role="row-value"] {{ color: {text}; font-size: 13px; font-weight: 600; min-width: 110px; }}
QLabel[role="balance"] {{ color: {text}; font-size: 26px; font-weight: 600; }}
QLabel[role="word"] {{
    color: {text}; background: {surface_alt}; border: 1px solid {border}; border-radius: 6px;
    padding: 6px 10px; font-family: monospace; font-size: 13px;
}}
QLabel[role^="chip"] {{
    border-radius: 9px; padding: 2px 9px; font-size: 11px; font-weight: 600; border: 1px solid {faint};
    color: {muted}; background: transparent;
}}
QLabel[role="chip-signed"], QLabel[role="chip-broadcast"] {{ color: {warning}; border-color: {warning}; }}
QLabel[role="chip-mined"] {{ color: {success}; border-color: {success}; }}
QLabel[role="chip-failed"], QLabel[role="chip-rejected"] {{ color: {danger}; border-color: {danger}; }}
QFrame[role="meter"] {{ background: {border}; border-radius: 2px; }}
QFrame[role="meter-weak"] {{ background: {danger}; border-radius: 2px; }}
QFrame[role="meter-fair"] {{ background: {warning}; border-radius: 2px; }}
QFrame[role="meter-good"] {{ background: {success}; border-radius: 2px; }}

QPushButton {{
    background: {surface}; color: {text}; border: 1px solid {border}; border-radius: 6px;
    padding: 5px 14px; min-height: 18px;
}}
QPushButton:hover {{ background: {hover}; }}
QPushButton:pressed {{ background: {selected}; }}
QPushButton:disabled {{ color: {faint}; }}
QPushButton[primary="true"] {{ background: {accent}; color: {accent_text}; border: 1px solid {accent}; }}
QPushButton[primary="true"]:hover {{ background: {accent}; border-color: {text}; }}
QPushButton[primary="true"]:disabled {{
    background: {accent_soft}; border-color: {accent_soft}; color: {faint};
}}
QToolButton[role="tool"] {{
    background: {surface}; color: {text}; border: 1px solid {border}; border-radius: 6px;
    padding: 5px 10px; min-height: 18px;
}}
QToolButton[role="tool"]:hover {{ background: {hover}; }}
QToolButton[role="tool"]:pressed, QToolButton[role="tool"]:checked {{
    background: {selected}; border-color: {faint};
}}
QToolButton[role="tool"]::menu-indicator {{ image: none; width: 0; }}
QTabWidget#StudioSide::pane {{ background: {window}; border: none; border-top: 1px solid {border}; }}
QTabWidget#StudioSide > QTabBar::tab {{
    background: transparent; color: {muted}; padding: 6px 5px; border: none; font-size: 11px;
}}
QTabWidget#StudioSide > QTabBar::tab:selected {{ color: {text}; border-bottom: 2px solid {accent}; }}
QFrame#TemplateCard {{ background: {surface}; border: 1px solid {border}; border-radius: 10px; }}
QFrame#TemplateCard:hover, QFrame#TemplateCard:focus {{ border-color: {accent}; }}
QFrame#TemplateCard QLabel {{ background: transparent; border: none; }}
QPushButton[role="link"] {{ background: transparent; border: none; padding: 0; color: {accent}; }}
QPushButton[role="link"]:hover {{ text-decoration: underline; }}
QPushButton[flat="true"] {{ background: transparent; border: none; padding: 3px; }}
QPushButton[flat="true"]:hover {{ background: {hover}; }}
QPushButton[role="option"] {{
    background: {surface}; border: 1px solid {border}; border-radius: 10px; padding: 0;
}}
QPushButton[role="option"]:hover {{ border-color: {faint}; }}
QPushButton[role="option"]:checked {{ border: 2px solid {accent}; background: {surface}; }}
QPushButton[role="option"]:focus {{ border-color: {accent}; }}
QPushButton[segment] {{ border-radius: 0; padding: 4px 14px; }}
QPushButton[segment="first"] {{ border-top-left-radius: 6px; border-bottom-left-radius: 6px; }}
QPushButton[segment="last"] {{
    border-top-right-radius: 6px; border-bottom-right-radius: 6px; border-left: none;
}}
QPushButton[segment]:checked {{ background: {selected}; color: {text}; border-color: {faint}; }}
QPushButton:focus {{ border: 2px solid {accent}; padding: 4px 13px; }}
QPushButton[primary="true"]:focus {{ border: 2px solid {text}; }}
QPushButton[segment]:focus {{ padding: 3px 13px; }}
QPushButton[role="option"]:focus {{ padding: 0; }}
QPushButton[role="link"]:focus {{ border: none; padding: 0; text-decoration: underline; }}
QPushButton[flat="true"]:focus {{ padding: 1px; }}

QLineEdit {{
    background: {surface}; color: {text}; border: 1px solid {border}; border-radius: 6px;
    padding: 5px 8px; min-height: 20px; selection-background-color: {accent}; selection-color: {accent_text};
}}
QLineEdit:focus, QPlainTextEdit:focus {{ border-color: {accent}; }}
QLineEdit:disabled {{ color: {faint}; }}
QRadioButton {{ color: {text}; spacing: 8px; }}
QRadioButton:disabled {{ color: {faint}; }}
QDialog {{ background: {window}; }}

QComboBox {{
    background: {surface}; color: {text}; border: 1px solid {border}; border-radius: 6px;
    padding: 4px 10px; min-width: 140px; min-height: 20px;
}}
QComboBox:hover {{ border-color: {faint}; }}
QComboBox QAbstractItemView {{
    background: {surface}; color: {text}; border: 1px solid {border}; selection-background-color: {hover};
    selection-color: {text}; outline: none;
}}
QComboBox::drop-down {{ border: none; width: 26px; }}
QComboBox::down-arrow {{ image: url({asset_dir}/chevron-down-{name}.svg); width: 12px; height: 12px; }}
QCheckBox {{ color: {text}; spacing: 8px; }}
QCheckBox[toggle="true"]::indicator {{ width: 36px; height: 20px; }}
QCheckBox[toggle="true"]::indicator:unchecked {{ image: url({asset_dir}/toggle-off-{name}.svg); }}
QCheckBox[toggle="true"]::indicator:checked {{ image: url({asset_dir}/toggle-on-{name}.svg); }}
QCheckBox[toggle="true"]::indicator:disabled {{ image: url({asset_dir}/toggle-disabled-{name}.svg); }}

QPlainTextEdit {{
    background: {surface_alt}; color: {text}; border: 1px solid {border}; border-radius: 6px;
    font-family: monospace; font-size: 12px; padding: 6px;
}}

QMenu {{ background: {surface}; color: {text}; border: 1px solid {border}; padding: 4px; }}
QMenu::item {{ padding: 6px 22px 6px 12px; border-radius: 4px; }}
QMenu::item:selected {{ background: {hover}; }}
QMenu::item:disabled {{ color: {faint}; }}
QMenu::separator {{ height: 1px; background: {border}; margin: 4px 6px; }}

QStatusBar {{ background: {sidebar}; border-top: 1px solid {border}; min-height: 26px; }}
QStatusBar::item {{ border: none; }}
QStatusBar QLabel {{ color: {muted}; font-size: 12px; }}

QScrollBar:vertical {{ background: transparent; width: 10px; margin: 2px; }}
QScrollBar::handle:vertical {{ background: {border}; border-radius: 3px; min-height: 30px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; width: 0; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: transparent; }}
"""


def build_stylesheet(colors: Colors) -> str:
    """Fill the template with one theme's colours."""
    return _TEMPLATE.format(**vars(colors), asset_dir=ASSET_DIR)
