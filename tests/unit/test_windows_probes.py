"""The Windows probes' own logic (tick wrap-around, which window counts as full screen, a failing call),
run here against a stand-in for ``ctypes.windll`` that fills the structures the way user32 and kernel32
do. What only Windows can show (that the real calls behave so) is for the release workflow's machine."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import Any

import pytest

from app.compute.rules_probes import WindowsProbes, system_probes

DESKTOP, SHELL, GAME = 1, 2, 3


@dataclass
class User32:
    """user32 as the probes call it: the last input tick, the foreground window and rectangles."""

    last_input: int = 0
    foreground: int = GAME
    window_rect: tuple[int, int, int, int] = (0, 0, 1920, 1080)
    monitor_rect: tuple[int, int, int, int] = (0, 0, 1920, 1080)
    fail: set[str] = field(default_factory=set)
    monitor_flags: list[int] = field(default_factory=list)

    def GetLastInputInfo(self, ref: Any) -> int:
        if "GetLastInputInfo" in self.fail:
            return 0
        assert ref._obj.cbSize == ctypes.sizeof(ref._obj), "cbSize must be set, or Windows fails the call"
        ref._obj.dwTime = self.last_input
        return 1

    def GetForegroundWindow(self) -> int:
        return self.foreground

    def GetDesktopWindow(self) -> int:
        return DESKTOP

    def GetShellWindow(self) -> int:
        return SHELL

    def GetWindowRect(self, window: int, ref: Any) -> int:
        if "GetWindowRect" in self.fail:
            return 0
        rect = ref._obj
        rect.left, rect.top, rect.right, rect.bottom = self.window_rect
        return 1

    def MonitorFromWindow(self, window: int, flags: int) -> int:
        self.monitor_flags.append(flags)
        return 100

    def GetMonitorInfoW(self, monitor: int, ref: Any) -> int:
        info = ref._obj
        assert info.cbSize == ctypes.sizeof(info)
        screen = info.rcMonitor
        screen.left, screen.top, screen.right, screen.bottom = self.monitor_rect
        return 1


@dataclass
class Kernel32:
    ticks: int = 0

    def GetTickCount(self) -> int:
        return self.ticks


@dataclass
class WinDLL:
    user32: User32
    kernel32: Kernel32


@pytest.fixture
def windll(monkeypatch: pytest.MonkeyPatch) -> WinDLL:
    fake = WinDLL(User32(), Kernel32())
    monkeypatch.setattr(ctypes, "windll", fake, raising=False)
    return fake


def test_windows_gets_the_windows_probes() -> None:
    assert isinstance(system_probes("win32"), WindowsProbes)


def test_idle_time_is_the_ticks_since_the_last_input(windll: WinDLL) -> None:
    windll.user32.last_input, windll.kernel32.ticks = 1_000_000, 1_000_000 + 300_500
    assert WindowsProbes().idle_seconds().value == pytest.approx(300.5)


def test_idle_time_survives_the_tick_counter_wrapping_after_49_days(windll: WinDLL) -> None:
    """GetTickCount is 32 bits: 49.7 days after boot it restarts at 0, the last input before it."""
    windll.user32.last_input, windll.kernel32.ticks = 0xFFFF_FFF0, 0x10
    assert WindowsProbes().idle_seconds().value == pytest.approx(0.032)


def test_a_failing_last_input_call_is_unknown_never_idle(windll: WinDLL) -> None:
    windll.user32.fail.add("GetLastInputInfo")
    reading = WindowsProbes().idle_seconds()
    assert reading.value is None and "GetLastInputInfo" in (reading.unknown or "")


def test_a_window_covering_its_monitor_is_full_screen(windll: WinDLL) -> None:
    assert WindowsProbes().fullscreen().value is True
    assert windll.user32.monitor_flags == [2], "MONITOR_DEFAULTTONEAREST: the monitor the window is on"


def test_a_full_screen_window_on_a_second_monitor_counts(windll: WinDLL) -> None:
    windll.user32.window_rect = windll.user32.monitor_rect = (1920, 0, 4480, 1440)
    assert WindowsProbes().fullscreen().value is True


def test_a_maximised_window_leaving_the_taskbar_is_not_full_screen(windll: WinDLL) -> None:
    windll.user32.window_rect = (0, 0, 1920, 1040)
    assert WindowsProbes().fullscreen().value is False


@pytest.mark.parametrize("window", [0, DESKTOP, SHELL])
def test_the_desktop_itself_is_not_a_full_screen_app(windll: WinDLL, window: int) -> None:
    """The desktop and the shell cover the monitor too, with nothing running full screen."""
    windll.user32.foreground = window
    assert WindowsProbes().fullscreen().value is False


def test_a_window_that_cannot_be_measured_is_unknown(windll: WinDLL) -> None:
    windll.user32.fail.add("GetWindowRect")
    reading = WindowsProbes().fullscreen()
    assert reading.value is None and reading.unknown
