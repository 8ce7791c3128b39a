"""The OS probes behind ``rules.Probes``: idle time, full screen, battery, GPU temperature, per OS.

No new dependency: Windows through ctypes (``GetLastInputInfo``, the foreground window against its
monitor), macOS through ``ioreg``'s ``HIDIdleTime``, Linux through GNOME's idle monitor on D-Bus
(``gdbus``), else logind's ``IdleHint``/``IdleSinceHint`` (``loginctl``), and X11's
``_NET_WM_STATE_FULLSCREEN`` (``xprop``); the battery through psutil and the temperature through
NVML (``machine``). Every probe answers within a second; one that cannot tell says why, and the
rule it feeds is shown unavailable (``rules``): an unknown idle time is never taken for "idle".
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

from app.compute.machine import hottest_gpu
from app.compute.rules import Probes, Reading

TIMEOUT_S = 1.0
Run = Callable[[Sequence[str]], str | None]


def run_quietly(command: Sequence[str]) -> str | None:
    """A command's standard output, or None when it is missing, fails or takes over a second."""
    try:
        done = subprocess.run(list(command), capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def battery() -> Reading[bool]:
    import psutil

    try:
        status = psutil.sensors_battery()
    except (OSError, RuntimeError, NotImplementedError):
        status = None
    if status is None:
        return Reading(None, "no battery was found (a desktop, or the OS does not report it)")
    return Reading(not status.power_plugged)


def gpu_temperature() -> Reading[int]:
    value, why = hottest_gpu()
    return Reading(value, why)


class CommonProbes:
    """Battery and GPU temperature read the same way on every OS."""

    def on_battery(self) -> Reading[bool]:
        return battery()

    def gpu_temperature(self) -> Reading[int]:
        return gpu_temperature()


class LinuxProbes(CommonProbes):
    """GNOME's idle monitor, else the logind session's idle hint; full screen from X11.

    logind's hint is only trusted once the desktop has set it (``IdleSinceHint`` > 0): a desktop
    that never sets it leaves "not idle" there forever, which would keep the worker waiting for
    good; then the idle time is unknown and the rule says so. The hint turns "yes" only after the
    desktop's own idle delay, so the time read is a lower bound: the worker never starts early."""

    def __init__(
        self, run: Run = run_quietly, session: str | None = None, now: Callable[[], float] = time.time
    ):
        self.run, self.now = run, now
        self.session = session if session is not None else os.environ.get("XDG_SESSION_ID", "")

    def idle_seconds(self) -> Reading[float]:
        mutter = self.run([
            "gdbus", "call", "--session", "--dest", "org.gnome.Mutter.IdleMonitor",
            "--object-path", "/org/gnome/Mutter/IdleMonitor/Core",
            "--method", "org.gnome.Mutter.IdleMonitor.GetIdletime",
        ])  # fmt: skip
        if mutter and (match := re.search(r"uint64 (\d+)", mutter)):
            return Reading(int(match.group(1)) / 1000)
        command = ["loginctl", "show-session", "-p", "IdleHint", "-p", "IdleSinceHint"]
        logind = self.run([*command[:2], self.session, *command[2:]] if self.session else command)
        if logind:
            fields = dict(line.split("=", 1) for line in logind.splitlines() if "=" in line)
            since = fields.get("IdleSinceHint", "")
            if since.isdigit() and int(since) > 0:  # 0: the desktop never set the hint, so it tells nothing
                if fields.get("IdleHint") == "no":
                    return Reading(0.0)
                if fields.get("IdleHint") == "yes":  # idle since then (plus the desktop's own idle delay)
                    return Reading(max(0.0, self.now() - int(since) / 1e6))
        return Reading(None, "neither GNOME's idle monitor nor the login session (logind) reports it")

    def fullscreen(self) -> Reading[bool]:
        if not os.environ.get("DISPLAY"):
            return Reading(None, "only X11 desktops tell which window is full screen")
        active = self.run(["xprop", "-root", "_NET_ACTIVE_WINDOW"])
        match = re.search(r"window id # (0x[0-9a-fA-F]+)", active or "")
        if match is None:
            return Reading(None, "the desktop does not name its active window (xprop)")
        if int(match.group(1), 16) == 0:
            return Reading(False)
        state = self.run(["xprop", "-id", match.group(1), "_NET_WM_STATE"])
        if state is None:
            return Reading(None, "the active window's state could not be read (xprop)")
        return Reading("_NET_WM_STATE_FULLSCREEN" in state)


class MacProbes(CommonProbes):
    """``ioreg``'s HIDIdleTime (nanoseconds since the last input)."""

    def __init__(self, run: Run = run_quietly) -> None:
        self.run = run

    def idle_seconds(self) -> Reading[float]:
        out = self.run(["ioreg", "-c", "IOHIDSystem", "-d", "4"])
        match = re.search(r'"HIDIdleTime"\s*=\s*(\d+)', out or "")
        if match is None:
            return Reading(None, "ioreg did not report HIDIdleTime")
        return Reading(int(match.group(1)) / 1e9)

    def fullscreen(self) -> Reading[bool]:
        return Reading(
            None, "macOS does not tell other apps which window is full screen without a permission"
        )


class WindowsProbes(CommonProbes):
    """``GetLastInputInfo`` and the foreground window's rectangle against its monitor's."""

    def idle_seconds(self) -> Reading[float]:
        import ctypes
        from ctypes import wintypes

        class LastInput(ctypes.Structure):
            _fields_ = [("cbSize", wintypes.UINT), ("dwTime", wintypes.DWORD)]

        info = LastInput(ctypes.sizeof(LastInput), 0)
        user32, kernel32 = ctypes.windll.user32, ctypes.windll.kernel32  # type: ignore[attr-defined]
        if not user32.GetLastInputInfo(ctypes.byref(info)):
            return Reading(None, "GetLastInputInfo failed")
        ticks = kernel32.GetTickCount() & 0xFFFFFFFF
        return Reading(((ticks - info.dwTime) & 0xFFFFFFFF) / 1000)

    def fullscreen(self) -> Reading[bool]:
        import ctypes
        from ctypes import wintypes

        class MonitorInfo(ctypes.Structure):
            _fields_ = [("cbSize", wintypes.DWORD), ("rcMonitor", wintypes.RECT),
                        ("rcWork", wintypes.RECT), ("dwFlags", wintypes.DWORD)]  # fmt: skip

        user32 = ctypes.windll.user32  # type: ignore[attr-defined]
        window = user32.GetForegroundWindow()
        if not window or window in (user32.GetDesktopWindow(), user32.GetShellWindow()):
            return Reading(False)
        rect = wintypes.RECT()
        monitor = MonitorInfo(ctypes.sizeof(MonitorInfo))
        if not user32.GetWindowRect(window, ctypes.byref(rect)) or not user32.GetMonitorInfoW(
            user32.MonitorFromWindow(window, 2), ctypes.byref(monitor)
        ):
            return Reading(None, "the foreground window could not be measured")
        screen = monitor.rcMonitor
        covers = (rect.left, rect.top, rect.right, rect.bottom) == (
            screen.left, screen.top, screen.right, screen.bottom
        )  # fmt: skip
        return Reading(covers)


def system_probes(platform: str = sys.platform) -> Probes:
    """This OS's probes."""
    if platform == "win32":
        return WindowsProbes()
    if platform == "darwin":
        return MacProbes()
    return LinuxProbes()
