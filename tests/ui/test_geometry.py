"""Window geometry is saved as base64 in the settings and restored on the next start."""

from __future__ import annotations

import base64

from PySide6.QtCore import QSize

from app.settings import load_settings


def test_geometry_round_trips_through_the_settings_file(make_shell, make_runtime, paths, qtbot) -> None:
    first = make_shell(make_runtime())
    first.show()
    qtbot.waitExposed(first.window)
    first.window.resize(QSize(780, 610))
    first.window.move(7, 11)
    qtbot.waitUntil(lambda: first.window.size() == QSize(780, 610))
    first.save_state()
    saved = load_settings(paths.settings_file).settings.window_geometry
    assert saved and base64.b64decode(saved)

    second = make_shell(make_runtime())
    second.show()
    qtbot.waitExposed(second.window)
    assert second.window.size() == QSize(780, 610)
    # Frame decorations differ per platform; the client area is what saveGeometry promises back.
    assert second.window.geometry().topLeft().x() == first.window.geometry().topLeft().x()


def test_garbage_geometry_falls_back_to_the_default_size(make_shell, make_runtime) -> None:
    runtime = make_runtime()
    runtime.settings.window_geometry = "bm90IGEgZ2VvbWV0cnk="  # valid base64, not a geometry
    shell = make_shell(runtime)
    assert shell.window.width() >= shell.window.minimumWidth()
    runtime.settings.window_geometry = "é not base64 at all"
    assert not shell.window.restore_geometry_b64(runtime.settings.window_geometry)
