"""Progressive start-up: the real window paints first, from a quick read of the settings file, in
the last session's place, theme and page; the runtime, the pages and the network come after."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QSize

from app.settings import Settings
from app.ui.frame import BootSettings, ShellFrame, read_boot_settings
from app.ui.main_window import MainWindow
from app.ui.theme import DARK, LIGHT

HEAVY = ("sqlalchemy", "alembic", "pydantic", "qtawesome", "qasync", "web3", "app.runtime", "app.ui.shell")


def test_boot_defaults_are_the_settings_defaults() -> None:
    defaults = Settings()
    assert BootSettings() == BootSettings(defaults.theme, defaults.window_geometry, defaults.last_page)


def test_boot_settings_read_the_file(paths) -> None:
    paths.settings_file.write_text(json.dumps({"theme": "dark", "window_geometry": "AAAA", "last_page": 4}))
    assert read_boot_settings(paths.settings_file) == BootSettings("dark", "AAAA", 4)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'{"theme": "dark", "last_pa',
        json.dumps({"theme": "purple", "window_geometry": 7, "last_page": -1}).encode(),
        json.dumps({"theme": None, "last_page": True}).encode(),
        json.dumps({"last_page": "3"}).encode(),
    ],
)
def test_boot_settings_never_fail(paths, content: bytes) -> None:
    paths.settings_file.write_bytes(content)
    assert read_boot_settings(paths.settings_file) == BootSettings()


def test_missing_settings_file_gives_defaults(paths) -> None:
    assert read_boot_settings(paths.settings_file) == BootSettings()


def test_the_frame_chooses_its_page_before_the_pages_exist(app, qtbot) -> None:
    frame = ShellFrame(app, BootSettings(theme="dark", last_page=3))
    window = frame.window
    qtbot.addWidget(window)
    try:
        assert frame.theme.colors is DARK
        assert not window.has_pages()
        assert window.current_page() == 3 and window.sidebar.current() == 3
        assert window.status.network.text.text() == "Starting…"
        with pytest.raises(ValueError):
            window.set_pages([])
    finally:
        app.styleHints().unsetColorScheme()
        frame.theme.set_mode("system")


def test_the_shell_fills_in_a_frame_and_the_settings_win(app, make_shell, runtime, qtbot) -> None:
    runtime.settings.theme = "light"
    runtime.settings.last_page = 2
    frame = ShellFrame(app, BootSettings(theme="dark", last_page=5))
    shell = make_shell(runtime, frame=frame)
    try:
        assert shell.window is frame.window and shell.theme is frame.theme
        assert shell.window.has_pages() and shell.window.stack.count() == 7
        assert shell.theme.colors is LIGHT
        assert shell.window.current_page() == 2 and shell.window.stack.currentIndex() == 2
        assert shell.window.status.network.text.text() == "Starting devnet…"
    finally:
        app.styleHints().unsetColorScheme()


def test_run_gui_paints_the_window_before_opening_the_runtime(app, paths, qtbot) -> None:
    """The real start-up, to its first paint: nothing heavy is imported yet, and the window is
    already the size, and on the page, the last session left it."""
    last = MainWindow([], LIGHT)
    qtbot.addWidget(last)
    last.resize(QSize(777, 555))
    saved = {"theme": "dark", "last_page": 4, "window_geometry": last.geometry_b64()}
    paths.settings_file.write_text(json.dumps(saved))
    code = (
        "import sys\n"
        "import app.ui.app as gui\n"
        "from app.paths import app_paths\n"
        "wait = gui.wait_for_first_paint\n"
        "def spy(window, *args):\n"
        "    painted = wait(window, *args)\n"
        f"    heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "    print('at-paint', painted, window.current_page(), window.width(), window.height(), heavy)\n"
        "    return painted\n"
        "gui.wait_for_first_paint = spy\n"
        "sys.exit(gui.run_gui(app_paths().ensure()))\n"
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SAHARA_HOME": str(paths.config.parent),
        "SAHARA_EXIT_AFTER_FIRST_PAINT": "1",
    }
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert any(line.startswith("first-paint ") for line in lines), proc.stdout
    at_paint = next(line for line in lines if line.startswith("at-paint"))
    assert at_paint.split(" ", 5)[1:5] == ["True", "4", "777", "555"], at_paint
    assert at_paint.endswith("[]"), f"imported before the first paint: {at_paint}"
    # After the paint the runtime opened as usual: the database exists and is current.
    from app.db.migrate import is_current

    assert is_current(paths.database)
    assert "Traceback" not in proc.stderr


def test_the_version_the_sidebar_shows_is_the_installed_packages() -> None:
    from importlib.metadata import version

    from app.version import DIST, __version__

    assert __version__ == version(DIST)
