"""CLI benchmark: how long ``sahara wallet list`` and ``sahara label campaigns`` take, against
``sahara --help`` (interpreter start, the parser, nothing else) measured in the same run.

    .venv/bin/python bench/cli.py               # 5 runs of each, interleaved
    .venv/bin/python bench/cli.py --check       # exit 1 if a goal is missed

Everything runs as the user runs it, ``python -m app.cli ...`` from this checkout in fresh
processes, with a throwaway ``SAHARA_HOME`` holding a wallet (made with a fast scrypt cost is not
possible from the CLI, so ``wallet new`` once, untimed) and the embedded devnet started once with
``sahara devnet start``, deployed by a first, untimed ``label campaigns`` and given the demo campaign
(``sahara demo labeling``, untimed) so the list has a row to read. ``label campaigns`` on a running
devnet reads the chain by plain JSON-RPC (``app/cli/label_campaigns.py``: no web3, no database).
Python writes and reads bytecode as it does for an installed app (a pip install compiles it; a
``PYTHONDONTWRITEBYTECODE`` in the environment is dropped for the bench, and the cache goes to the
throwaway home), so the timed runs do not compile this checkout's modules anew each time; the
untimed first runs compile them. The machine may be shared: the load average is printed before and
after the timed runs. Prints medians:

    cli_help_s: X              (the baseline)
    cli_wallet_list_s: X       (goal <= 0.5)
    cli_campaigns_s: X         (goal <= 1.0, on a running devnet)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"cli_wallet_list_s": 0.5, "cli_campaigns_s": 1.0}


def sahara(
    home: Path, *args: str, stdin: str | None = None
) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
        "SAHARA_HOME": str(home), "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": str(home / "pycache"),
    }  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args], env=env, cwd=ROOT, input=stdin,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"sahara {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return seconds, done


def load() -> str:
    """The 1, 5 and 15 minute load averages (how shared the machine was), where the OS has them."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="sahara-bench-cli-"))
    times: dict[str, list[float]] = {"cli_help_s": [], "cli_wallet_list_s": [], "cli_campaigns_s": []}
    commands = {
        "cli_help_s": ["--help"],
        "cli_wallet_list_s": ["wallet", "list"],
        "cli_campaigns_s": ["label", "campaigns"],
    }
    try:
        password = home / "password"
        password.write_text("correct horse battery staple\n")
        sahara(home, "wallet", "new", "--password-file", str(password))
        sahara(home, "devnet", "start")
        try:
            sahara(home, "label", "campaigns")  # deploys the contracts: not timed
            sahara(home, "demo", "labeling")  # a campaign to list: not timed
            if len(sahara(home, "label", "campaigns")[1].stdout.splitlines()) < 2:
                sys.exit("label campaigns does not list the demo campaign")
            print(f"load average before the timed runs: {load()}")
            for _ in range(args.runs):
                for name, command in commands.items():
                    times[name].append(sahara(home, *command)[0])
            print(f"load average after the timed runs: {load()}")
        finally:
            sahara(home, "devnet", "stop")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    missed = False
    for name, runs in times.items():
        median = statistics.median(runs)
        goal = GOALS.get(name)
        missed |= goal is not None and median > goal
        note = f"(goal <= {goal})" if goal else "(baseline: sahara --help)"
        print(f"{name}: {median:.2f}   {note}, min {min(runs):.2f}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
