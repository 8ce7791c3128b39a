"""``make bench``'s table: figures parsed from the benches' own lines, goals judged, gaps shown."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _table_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_table", ROOT / "bench" / "table.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


bench_table = _table_module()


def test_figure_lines_are_read_with_separators_and_trailing_notes() -> None:
    found = bench_table.parse_figures(
        [
            "labeling_gas_per_item: 1,765   (goal <= 2,000)",
            "cli_help_s: 0.20   (baseline: sahara --help), min 0.19",
            "  ratio                      0.36",  # an indented detail line is not a figure
            "market_search_ms: p50 1.55 p95 8.66",  # no number right after the colon
            "market_search_p95_ms: 8.66 (baseline 29.04, ratio 3.35)",
        ]
    )
    assert found == {
        "labeling_gas_per_item": 1765.0,
        "cli_help_s": 0.2,
        "market_search_p95_ms": 8.66,
        "market_search_p95_ms baseline": 29.04,
    }


def test_a_missed_goal_a_missing_figure_and_a_failed_bench_fail_the_table() -> None:
    figures = [
        bench_table.Figure("a_ms", "one", "<= 16", "a_base_ms"),
        bench_table.Figure("b_per_s", "one", ">= 500"),
        bench_table.Figure("c_ms", "two", "<= 1"),
    ]
    lines, ok = bench_table.table(figures, {"a_ms": 8.0, "a_base_ms": 32.0, "b_per_s": 499.0}, {"two"})
    assert not ok
    text = "\n".join(lines)
    assert "MISSED" in text and "bench failed" in text
    assert "0.25" in text  # a_ms over its same-run baseline
    lines, ok = bench_table.table(figures[:1], {"a_ms": 8.0}, set())
    assert ok


def test_every_figure_names_a_bench_that_exists() -> None:
    for figure in bench_table.FIGURES:
        assert (ROOT / "bench" / f"{figure.bench}.py").is_file(), figure
