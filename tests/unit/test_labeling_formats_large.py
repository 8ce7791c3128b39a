"""A 200,000-line CSV or JSON Lines file streams: the import holds its result, never the whole file.

Measured in a fresh process from its peak resident memory (VmHWM on Linux: ``ru_maxrss`` there
keeps the parent's peak across fork and exec, so late in a big run it reads pytest's own).
tracemalloc would trace each of the hundreds of thousands of objects an import keeps and make
the test about five times slower. A
reader that held the file (``readlines()``, ``read()``) would raise the peak above the final
footprint by at least the file's size (measured: ~2x it); a streaming one leaves them within the
set of item ids the collector drops at the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LINES = 200_000
MEASURE = """
import json, resource, sys
from pathlib import Path
import psutil
from app.labeling.formats import import_path
before = psutil.Process().memory_info().rss
result = import_path(Path(sys.argv[1]))
status = Path("/proc/self/status")
if status.exists():  # this image's own high-water mark; Linux's ru_maxrss survives fork+exec
    hwm = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM:"))
    peak = int(hwm.split()[1]) * 1024
else:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
after = psutil.Process().memory_info().rss
print(json.dumps({"items": len(result.items), "problems": len(result.problems), "before": before,
                  "peak": peak, "after": after}))
"""


def _write(path: Path) -> Path:
    text = "review {}: " + "arrived on time, works as described, would buy again. " * 3
    if path.suffix == ".csv":
        rows = (
            f"r{n},{text.format(n).replace(',', ';')},{('pos', 'neg')[n % 2]}\n" for n in range(LINES - 1)
        )
        path.write_text("id,text,label\n" + "".join(rows), encoding="utf-8")
    else:
        records = (
            {"id": f"r{n}", "text": text.format(n), "label": ("pos", "neg")[n % 2]} for n in range(LINES)
        )
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="peak memory comes from POSIX getrusage")
@pytest.mark.parametrize("name", ["big.jsonl", "big.csv"])
def test_a_200k_line_file_streams(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path / name)
    size = path.stat().st_size

    run = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    memory = json.loads(run.stdout)

    assert (memory["items"], memory["problems"]) == (LINES - (name == "big.csv"), 0)
    # Only bookkeeping (the set of ids, ~8 MB) goes when the import ends; holding the file would free it too.
    assert memory["peak"] - memory["after"] < size / 3, memory
    assert memory["after"] - memory["before"] < 20 * size, memory  # ~2 kB per kept item and its answer
