"""Installed-package benchmark: the .deb's installed size, and the installed app's time to first
paint against the source checkout's.

    .venv/bin/python bench/package.py [--deb dist/sahara_<version>_<arch>.deb] [--runs 3]

The package is unpacked with ``dpkg-deb -x`` into a throwaway root (nothing is installed on this
system). Size is what ``/opt/sahara`` holds without the optional GPU pack (torch is never in it);
first paint is measured as in bench/startup.py (``SAHARA_EXIT_AFTER_FIRST_PAINT=1``, offscreen, a
throwaway ``SAHARA_HOME``), runs interleaved (checkout, installed, ...) after one warm-up of each.
Prints:

    installed_size_mb: N                  (goal <= 450; --check exits 1 when over)
    installed_first_paint_s: X
    checkout_first_paint_s: Y
    installed_ratio_vs_checkout: X/Y
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

# bench/ is a folder of scripts, not a package: reuse the start-up bench's measurement from beside us.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import NoFirstPaint, measure, stop_devnet

ROOT = Path(__file__).resolve().parent.parent
GOAL_MB = 450


def default_deb() -> Path:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    return ROOT / "dist" / f"sahara_{version}_{arch}.deb"


def installed_size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deb", type=Path, default=None, help="the package (default: dist/ of this version)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each (default 3)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for a first paint")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if over {GOAL_MB} MB")
    args = parser.parse_args(argv)
    if shutil.which("dpkg-deb") is None:
        print("package bench: dpkg-deb not found (Debian/Ubuntu only)", file=sys.stderr)
        return 2
    deb = args.deb or default_deb()
    if not deb.is_file():
        print(f"package bench: no package at {deb}; run make package", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="sahara-bench-pkg-"))
    try:
        root, home = work / "root", work / "home"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        size = installed_size_mb(root / "opt" / "sahara")
        print(f"installed_size_mb: {size:.0f}")
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "SAHARA_HOME": str(home),
            "SAHARA_EXIT_AFTER_FIRST_PAINT": "1",
            "PYTHONUNBUFFERED": "1",
        }
        programs = {
            "checkout": [sys.executable, "-m", "app.cli"],
            "installed": [str(root / "usr" / "bin" / "sahara")],
        }
        times: dict[str, list[float]] = {name: [] for name in programs}
        try:
            for i in range(1 + args.runs):
                for name, cmd in programs.items():
                    run = measure(cmd, env, args.timeout, name)
                    tag = "warm-up" if i == 0 else f"run {i}"
                    print(f"  {tag:8} {name:9} {run.wall_s:.3f} s", file=sys.stderr)
                    if i > 0:
                        times[name].append(run.wall_s)
        except NoFirstPaint as exc:
            print(f"package bench: {exc}", file=sys.stderr)
            return 2
        finally:
            stop_devnet(programs["installed"], env)
        installed, checkout = statistics.median(times["installed"]), statistics.median(times["checkout"])
        print(f"installed_first_paint_s: {installed:.3f}")
        print(f"checkout_first_paint_s: {checkout:.3f}")
        print(f"installed_ratio_vs_checkout: {installed / checkout:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if args.check and size > GOAL_MB else 0


if __name__ == "__main__":
    sys.exit(main())
