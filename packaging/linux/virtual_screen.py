"""Run an installed app on a virtual X screen (Xvfb) and take a screenshot once its window is up.

Used by tests/packaging (the installed .deb's GUI starts and paints) and bench/package.py. Needs the
Debian packages xvfb, x11-apps (xwd) and imagemagick (convert); ``missing_tools()`` names the ones
that are absent so a caller can skip with a reason. ``.ci/run`` installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

TOOLS = {"Xvfb": "xvfb", "xwd": "x11-apps", "convert": "imagemagick"}


def missing_tools() -> list[str]:
    """Debian packages to install before a virtual screen can be used (empty when all are there)."""
    return [package for tool, package in TOOLS.items() if shutil.which(tool) is None]


@contextmanager
def virtual_screen(width: int = 1600, height: int = 1000) -> Iterator[str]:
    """An Xvfb display (":N", a free number Xvfb picks itself) for the duration of the block."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start (no display number reported)")
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def screenshot(display: str, out: Path) -> None:
    """The whole screen as PNG."""
    dump = subprocess.run(
        ["xwd", "-root", "-silent", "-display", display], capture_output=True, check=True, timeout=30
    )
    subprocess.run(["convert", "xwd:-", f"png:{out}"], input=dump.stdout, check=True, timeout=30)


def colours_in(png: Path) -> int:
    """How many distinct colours the screenshot has: 1 for an empty screen, hundreds for a window."""
    from PIL import Image

    with Image.open(png) as image:
        found = image.convert("RGB").getcolors(maxcolors=100_000)
    return len(found) if found is not None else 100_000


def shoot_app(
    command: Sequence[str],
    env: Mapping[str, str],
    out: Path,
    ready: Callable[[], bool] = lambda: True,
    timeout: float = 60,
) -> tuple[float, str]:
    """Start ``command`` on a virtual screen; once something is painted (the screen has more than a
    handful of colours) and ``ready()`` says the app is up, save a screenshot and stop the app.
    Returns the seconds until the first paint and the app's output. Raises RuntimeError with the
    app's output if it exits, never paints or is never ready."""
    with virtual_screen() as display, tempfile.TemporaryFile() as log:
        app_env = {**env, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        started = time.perf_counter()
        painted: float | None = None
        app = subprocess.Popen(list(command), env=app_env, stdout=log, stderr=subprocess.STDOUT)
        try:
            while time.perf_counter() - started < timeout and app.poll() is None:
                if painted is None:
                    screenshot(display, out)
                    if colours_in(out) > 16:
                        painted = time.perf_counter() - started
                if painted is not None and ready():
                    time.sleep(1)  # the pages' first paint after they are built
                    screenshot(display, out)
                    return painted, _read(log)
                time.sleep(0.5)
            what = "never became ready" if painted else "showed no window"
            raise RuntimeError(f"the app {what} (exit code {app.poll()}); output:\n{_read(log)}")
        finally:
            if app.poll() is None:
                app.terminate()
                try:
                    app.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    app.kill()
                    app.wait()


def _read(log) -> str:  # type: ignore[no-untyped-def]
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-4000:]
