"""``make bench``: run every bench as a user runs it, then print one table of what they measured.

    .venv/bin/python bench/table.py                  # every bench, then the table
    .venv/bin/python bench/table.py canvas cli       # only these benches
    .venv/bin/python bench/table.py --from-log FILE  # the table of a saved run's output

Each bench prints its figures as ``name: value`` lines, each against a baseline it measures in the
same run (these machines are noisy, so a figure alone says little). This script runs them one after
another with their output passing through (a full run takes a while and shows where it is), keeps
those lines, and prints for every figure an issue sets a goal for: the value, the goal, whether it
was met, the baseline of the same run and the ratio between the two. A bench that fails or prints
no figure shows up as a row that says so; the exit status is 1 when a bench failed or a goal was
missed, so the table can gate a release.
"""

from __future__ import annotations

import argparse
import operator
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURE_LINE = re.compile(r"^([a-z][a-z0-9_]*):\s+(-?[0-9][0-9,]*(?:\.[0-9]+)?)")
# A bench may print its baseline on the figure's own line: ``name: 8.66 (baseline 29.04, ratio 3.35)``.
INLINE_BASELINE = re.compile(r"\(baseline (-?[0-9][0-9,]*(?:\.[0-9]+)?)")
COMPARE: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}


@dataclass(frozen=True)
class Figure:
    """One figure an issue asks for: which bench prints it, its goal and its same-run baseline."""

    name: str
    bench: str
    goal: str  # "<= 16" or ">= 0.8": the comparison and the bound
    baseline: str | None = None  # the baseline figure printed beside it (None: on the figure's line)

    def met(self, value: float) -> bool:
        """Whether ``value`` meets the goal."""
        sign, bound = self.goal.split()
        return COMPARE[sign](value, float(bound))


# In the order `make bench` runs them: quick ones first, the long chain ones last.
FIGURES: tuple[Figure, ...] = (
    Figure("startup_first_paint_s", "startup", "<= 1.0", "startup_bare_qt_first_paint_s"),
    Figure("startup_ratio_vs_bare_qt", "startup", "<= 2.0"),
    Figure("cli_wallet_list_s", "cli", "<= 0.5", "cli_help_s"),
    Figure("cli_campaigns_s", "cli", "<= 1.0", "cli_help_s"),
    Figure("next_item_p95_ms", "labeling", "<= 16", "next_item_p95_ms_baseline_no_prefetch"),
    Figure("pan_frame_ms", "labeling", "<= 16"),
    Figure("labeler_wait_p95_ms", "labeling", "<= 16", "labeler_wait_p95_ms_baseline_wait_on_chain"),
    Figure("import_images_per_s", "import", ">= 500", "import_baseline_images_per_s"),
    Figure("import_labelstudio_items_per_s", "import", ">= 500", "import_baseline_images_per_s"),
    Figure("canvas_frame_ms_1000_nodes", "canvas", "<= 16", "canvas_bare_view_frame_ms_1000_nodes"),
    Figure("canvas_ratio_vs_bare_view", "canvas", "<= 1.5"),
    Figure("canvas_frame_ms_5000_nodes", "canvas", "<= 33"),
    Figure("executor_overhead_us_per_node", "executor", "<= 50", "direct_us_per_node"),
    Figure("storage_throughput_ratio", "storage", ">= 0.8"),
    Figure("labeling_gas_per_item", "gas", "<= 2000"),
    Figure("license_purchase_gas", "gas", "<= 200000"),
    Figure("royalty_claim_gas", "gas", "<= 80000"),
    Figure("royalty_claim_campaign_labeler_gas", "gas", "<= 80000"),
    Figure("worker_inference_ratio", "worker", ">= 0.97"),
    Figure("indexer_events_per_s", "market", ">= 20000"),
    Figure("market_search_p95_ms", "market", "<= 20"),
)
BENCHES: tuple[str, ...] = tuple(dict.fromkeys(f.bench for f in FIGURES))


def parse_figures(lines: Iterable[str]) -> dict[str, float]:
    """The ``name: value`` figures in a bench's output (thousands separators allowed), and a baseline
    printed on a figure's own line as ``name baseline``; the last wins."""
    found: dict[str, float] = {}
    for line in lines:
        match = FIGURE_LINE.match(line.strip())
        if match:
            found[match.group(1)] = _float(match.group(2))
            inline = INLINE_BASELINE.search(line, match.end())
            if inline:
                found[f"{match.group(1)} baseline"] = _float(inline.group(1))
    return found


def _float(text: str) -> float:
    return float(text.replace(",", ""))


def run_bench(name: str) -> tuple[bool, list[str]]:
    """Run ``bench/<name>.py`` with its output passing through; returns (succeeded, its lines)."""
    print(f"\n=== bench/{name}.py", flush=True)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / f"{name}.py")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    return process.wait() == 0, lines


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def table(figures: Sequence[Figure], found: dict[str, float], failed: set[str]) -> tuple[list[str], bool]:
    """The table's lines, and whether every figure was present and met its goal."""
    rows = [("figure", "value", "goal", "met", "baseline (same run)", "ratio")]
    ok = True
    for figure in figures:
        value = found.get(figure.name)
        if value is None:
            ok = False
            why = "bench failed" if figure.bench in failed else "not printed"
            rows.append((figure.name, "-", figure.goal, why, "", ""))
            continue
        met = figure.met(value)
        ok &= met
        base_name = figure.baseline or f"{figure.name} baseline"
        base = found.get(base_name)
        baseline = f"{figure.baseline or 'baseline'} {_number(base)}" if base is not None else ""
        ratio = f"{value / base:.2f}" if base else ""
        rows.append((figure.name, _number(value), figure.goal, "yes" if met else "MISSED", baseline, ratio))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines, ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("benches", nargs="*", help=f"run only these (default: all of {', '.join(BENCHES)})")
    parser.add_argument("--from-log", type=Path, help="build the table from a saved run's output instead")
    args = parser.parse_args(argv)
    chosen = args.benches or list(BENCHES)
    unknown = sorted(set(chosen) - set(BENCHES))
    if unknown:
        parser.error(f"no such bench: {', '.join(unknown)} (choose from {', '.join(BENCHES)})")
    found: dict[str, float] = {}
    failed: set[str] = set()
    if args.from_log:
        found = parse_figures(args.from_log.read_text(errors="replace").splitlines())
    else:
        for name in chosen:
            succeeded, lines = run_bench(name)
            found |= parse_figures(lines)
            if not succeeded:
                failed.add(name)
    lines, ok = table([f for f in FIGURES if f.bench in chosen], found, failed)
    print("\n" + "\n".join(lines))
    return 0 if ok and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
