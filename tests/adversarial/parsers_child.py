"""Run an attack in a child Python process, so a crash (SIGSEGV) fails the test instead of pytest.

The child starts with the recursion limit a library raised it to (100,000, as ``py_ecc`` does at
import), the worst case the app must survive: only the depth limit of ``app.safe_json`` and the
app's own limits stand between a deeply nested input and the C stack.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RAISED_LIMIT = "import sys; sys.setrecursionlimit(100000)\n"
Child = subprocess.CompletedProcess[str]


def run_child(
    code: str, *, raised_limit: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with the repository importable; never raises on failure."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        [sys.executable, "-"],
        input=(RAISED_LIMIT if raised_limit else "") + code,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )


def survived(proc: Child, code: int = 0) -> str:
    """The child's stdout and stderr after checking it exited with ``code``, not by a signal (a crash)."""
    assert proc.returncode >= 0, f"the child died of signal {-proc.returncode}: {proc.stderr[-2000:]}"
    assert proc.returncode == code, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return proc.stdout + proc.stderr


def nested(depth: int) -> str:
    """``depth`` nested arrays: the smallest document that recurses once per level in a parser."""
    return "[" * depth + "]" * depth
