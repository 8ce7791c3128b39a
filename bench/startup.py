"""Start-up benchmark: process start -> first paint of the main window, against a bare PySide6 window.

    .venv/bin/python bench/startup.py              # the app from this checkout (python -m app.cli)
    .venv/bin/python bench/startup.py --frozen     # the PyInstaller build in dist/sahara

Both programs run the same way, ``--runs`` times each, interleaved (bare, app, bare, app, ...) after
``--warmup`` unmeasured runs of each, with ``QT_QPA_PLATFORM=offscreen`` and a throwaway
``SAHARA_HOME``. The app is started with ``SAHARA_EXIT_AFTER_FIRST_PAINT=1``: it prints
``first-paint <seconds>`` after the main window's first paint and quits; bench/bare_qt.py does the
same for a QMainWindow with a label. The time of one run is measured here, with ``perf_counter``
from just before ``Popen`` to the moment that line arrives, so both include interpreter start,
imports and Qt start-up alike. Prints:

    startup_first_paint_s: X         (median over the app's runs)
    startup_ratio_vs_bare_qt: R      (X / the bare window's median)

Goals: X <= 1.0 and R <= 2.0 (``--check`` exits 1 when one is missed). A program that prints no
``first-paint`` line within ``--timeout`` seconds is stopped and the bench exits 2 saying so.
"""

from __future__ import annotations

import argparse
import os
import queue
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE_SCRIPT = Path(__file__).resolve().with_name("bare_qt.py")
FROZEN = ROOT / "dist" / "sahara" / ("sahara.exe" if sys.platform == "win32" else "sahara")
MARKER = "first-paint"
GOAL_SECONDS = 1.0
GOAL_RATIO = 2.0


class NoFirstPaint(RuntimeError):
    """The program never reported its first paint (timed out or exited first)."""


@dataclass(frozen=True)
class Run:
    wall_s: float  # measured here: Popen -> "first-paint" line
    reported_s: float | None  # what the program itself printed


def _pump(stream, lines: queue.Queue[str | None]) -> None:  # type: ignore[no-untyped-def]
    for line in stream:
        lines.put(line)
    lines.put(None)


def measure(cmd: list[str], env: dict[str, str], timeout: float, label: str) -> Run:
    """Start ``cmd``, wait for its ``first-paint`` line and return the wall time to it."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        lines: queue.Queue[str | None] = queue.Queue()
        # A reader thread rather than select(): it works the same on Windows pipes.
        threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
        deadline = start + timeout
        try:
            while True:
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    raise NoFirstPaint(
                        f"{label}: no '{MARKER}' line within {timeout:.0f} s. The app prints it only when "
                        "SAHARA_EXIT_AFTER_FIRST_PAINT=1 is supported by app/ui (print 'first-paint <s>' "
                        "after the main window's first paint, then quit)."
                    )
                try:
                    line = lines.get(timeout=remaining)
                except queue.Empty:
                    continue
                if line is None:
                    proc.wait(timeout=5)
                    stderr.seek(0)
                    tail = "".join(stderr.readlines()[-15:])
                    raise NoFirstPaint(
                        f"{label}: exited with status {proc.returncode} before printing '{MARKER}'.\n"
                        f"stderr (last lines):\n{tail}"
                    )
                if line.startswith(MARKER):
                    wall = time.perf_counter() - start
                    break
            parts = line.split()
            try:
                reported: float | None = float(parts[1])
            except (IndexError, ValueError):
                reported = None
            try:
                proc.wait(timeout=15)  # it quits by itself; give it time to shut services down cleanly
            except subprocess.TimeoutExpired:
                print(f"  note: {label} did not exit within 15 s of its first paint; killed", file=sys.stderr)
            return Run(wall, reported)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def app_command(frozen: bool) -> list[str]:
    if frozen:
        if not FROZEN.is_file():
            raise SystemExit(f"no frozen build at {FROZEN}; run make package")
        return [str(FROZEN)]
    return [sys.executable, "-m", "app.cli"]


def stop_devnet(cmd: list[str], env: dict[str, str]) -> None:
    """The app may start the local devnet; make sure none is left running in the throwaway home."""
    subprocess.run([*cmd, "devnet", "stop"], cwd=ROOT, env=env, capture_output=True, timeout=60, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each program (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs of each first (default 1)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a first paint")
    parser.add_argument("--frozen", action="store_true", help=f"benchmark the frozen build ({FROZEN})")
    parser.add_argument("--app-cmd", help="benchmark this command line instead (e.g. an installed app)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="sahara-bench-"))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SAHARA_HOME": str(home),
        "SAHARA_EXIT_AFTER_FIRST_PAINT": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    app_cmd = shlex.split(args.app_cmd) if args.app_cmd else app_command(args.frozen)
    bare_cmd = [sys.executable, str(BARE_SCRIPT)]
    programs = {"bare": bare_cmd, "app": app_cmd}
    results: dict[str, list[Run]] = {name: [] for name in programs}
    print(f"app: {' '.join(app_cmd)}\nbare: {' '.join(bare_cmd)}\nhome: {home}", file=sys.stderr)
    try:
        for i in range(args.warmup + args.runs):
            for name, cmd in programs.items():
                run = measure(cmd, env, args.timeout, name)
                measured = i >= args.warmup
                if measured:
                    results[name].append(run)
                reported = f"{run.reported_s:.3f}" if run.reported_s is not None else "?"
                tag = f"run {i - args.warmup + 1}" if measured else "warm-up"
                print(f"  {tag:8} {name:4} {run.wall_s:.3f} s (self-reported {reported} s)", file=sys.stderr)
    except NoFirstPaint as exc:
        print(f"startup bench: {exc}", file=sys.stderr)
        return 2
    finally:
        stop_devnet(app_cmd, env)
        shutil.rmtree(home, ignore_errors=True)

    app_s = statistics.median(r.wall_s for r in results["app"])
    bare_s = statistics.median(r.wall_s for r in results["bare"])
    ratio = app_s / bare_s
    print(f"startup_bare_qt_first_paint_s: {bare_s:.3f}")
    print(f"startup_first_paint_s: {app_s:.3f}")
    print(f"startup_ratio_vs_bare_qt: {ratio:.2f}")
    met = app_s <= GOAL_SECONDS and ratio <= GOAL_RATIO
    print(
        f"goals (first paint <= {GOAL_SECONDS} s, ratio <= {GOAL_RATIO}): {'met' if met else 'MISSED'}",
        file=sys.stderr,
    )
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
