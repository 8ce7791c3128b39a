"""One app per data folder: a second launch shows the first's window and exits; a dead app's lock
is taken over; another data folder is another app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.paths import AppPaths
from app.ui.app import ALREADY_RUNNING
from app.ui.single_instance import SingleInstance, server_name

CLAIM = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from PySide6.QtCore import QCoreApplication\n"
    "from app.ui.single_instance import SingleInstance\n"
    "app = QCoreApplication([])\n"
    "held = SingleInstance.claim(Path(sys.argv[1]))\n"
    "print('held' if held else 'shown', flush=True)\n"
    "if held and len(sys.argv) > 2: time.sleep(60)\n"
)


def _launch(data: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, "-c", CLAIM, str(data), *extra], env=env, stdout=subprocess.PIPE, text=True
    )


def test_a_second_launch_brings_the_first_to_the_front_and_exits(app, qtbot, tmp_path: Path) -> None:
    first = SingleInstance.claim(tmp_path)
    assert first is not None
    shown: list[bool] = []
    first.on_show(lambda: shown.append(True))
    try:
        second = _launch(tmp_path)
        qtbot.waitUntil(lambda: bool(shown), timeout=10_000)  # the event loop answers its socket
        out, _ = second.communicate(timeout=10)
        assert second.returncode == 0 and out.strip() == "shown"
    finally:
        first.release()
    # Released: the next launch holds the folder itself.
    again = _launch(tmp_path)
    assert again.communicate(timeout=10)[0].strip() == "held"


def test_the_lock_of_an_app_killed_with_sigkill_is_taken_over(app, tmp_path: Path) -> None:
    holder = _launch(tmp_path, "stay")
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    assert SingleInstance.claim(tmp_path) is None or pytest.fail("the live holder's lock was taken")
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    taken = SingleInstance.claim(tmp_path)  # the dead app left its lock file and socket behind
    assert taken is not None
    taken.release()


def test_another_data_folder_is_another_app(app, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert server_name(one) != server_name(two)
    first, second = SingleInstance.claim(one), SingleInstance.claim(two)
    try:
        assert first is not None and second is not None
    finally:
        for held in (first, second):
            if held is not None:
                held.release()


def test_run_gui_on_a_held_folder_exits_without_a_window(app, qtbot, paths: AppPaths) -> None:
    """The real start-up: the second ``sahara gui`` says why it exits, builds no window and opens
    no database; the first app is asked to show itself."""
    first = SingleInstance.claim(paths.data)
    assert first is not None
    shown: list[bool] = []
    first.on_show(lambda: shown.append(True))
    paths.database.unlink(missing_ok=True)
    code = (
        "import sys; from app.paths import app_paths; from app.ui.app import run_gui; "
        "sys.exit(run_gui(app_paths()))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SAHARA_HOME": str(paths.config.parent)}
    try:
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
        qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
        _, err = proc.communicate(timeout=20)
    finally:
        first.release()
    assert proc.returncode == 0, err
    assert ALREADY_RUNNING in err
    assert not paths.database.exists()


def test_a_data_folder_that_cannot_be_made_does_not_stop_the_start(app, tmp_path: Path) -> None:
    """The runtime reports an unusable data folder in words; the one-app check must not crash first."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    held = SingleInstance.claim(blocker / "data")
    assert held is not None
    held.release()
