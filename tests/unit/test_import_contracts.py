"""The import-linter contracts in pyproject.toml refuse what they promise to refuse.

Each case copies the app's sources and pyproject.toml into a temporary folder, adds one forbidden
import (or one module no layer names) and runs ``lint-imports`` there: it must fail, naming the
contract that caught it. The untouched copy must pass, so a failure is the added line's doing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def _copy_project(dest: Path) -> Path:
    shutil.copytree(ROOT / "app", dest / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def _lint(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT, "--no-cache"],
        cwd=project,
        env={"PYTHONPATH": str(project), "PATH": "", "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _layer(lower: str, upper: str) -> str:
    """How the layers contract words an import it refuses."""
    return f"{lower} is not allowed to import {upper}"


def test_the_project_as_it_is_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint(_copy_project(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "caught_by"),
    [
        # The cycle that was broken must stay broken: the chain is below the wallet.
        ("app/chain/client.py", "from app.wallet import outbox", _layer("app.chain", "app.wallet")),
        # Features are independent of each other.
        ("app/labeling/schema.py", "import app.studio.graph", _layer("app.labeling", "app.studio")),
        ("app/studio/graph.py", "import app.labeling.schema", _layer("app.studio", "app.labeling")),
        # The market is below the features that publish to it.
        ("app/market/licenses.py", "import app.labeling.schema", _layer("app.market", "app.labeling")),
        # Nothing below the window reaches up into it or into the services above the features.
        ("app/workers/auto_review.py", "import app.ui.theme", _layer("app.workers", "app.ui")),
        ("app/labeling/schema.py", "import app.runtime", _layer("app.labeling", "app.runtime")),
        ("app/storage/cid.py", "import app.db.models", _layer("app.storage", "app.db")),
        ("app/settings.py", "import app.db.engine", _layer("app.settings", "app.db")),
        # Qt stays in app.ui, and only the GUI entry point opens app.ui.
        ("app/labeling/schema.py", "import PySide6", "app.labeling.schema -> PySide6"),
        ("app/wallet/outbox.py", "import qasync", "app.wallet.outbox -> qasync"),
        ("app/cli/label.py", "import app.ui.theme", "app.cli.label -> app.ui.theme"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(tmp_path: Path, module: str, line: str, caught_by: str) -> None:
    project = _copy_project(tmp_path)
    target = project / module
    target.write_text(target.read_text() + f"\n{line}  # added by the test\n")
    result = _lint(project)
    assert result.returncode != 0, result.stdout
    assert caught_by in result.stdout, result.stdout


def test_a_module_no_layer_names_breaks_the_layers_contract(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    (project / "app" / "gadgets.py").write_text('"""A new top-level module nobody placed in a layer."""\n')
    result = _lint(project)
    assert result.returncode != 0, result.stdout
    assert "app.gadgets" in result.stdout, result.stdout
