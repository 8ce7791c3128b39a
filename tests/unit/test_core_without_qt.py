"""Every core module imports on a machine where Qt is not installed (napari's "headless" job).

import-linter sees only the imports written in our files; this test also catches a core module that
reaches Qt through a third-party package, or that imports a Qt-only helper lazily at import time.
A fresh interpreter refuses PySide6, shiboken6, qasync and qtawesome with a meta-path finder, then
imports every module under app/ but app.ui (and the Alembic scripts, which only Alembic runs, and
`python -m` entry modules, which run the program they start).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

IMPORT_THE_CORE = r"""
import importlib, importlib.abc, pkgutil, sys

QT = {"PySide6", "shiboken6", "qasync", "qtawesome"}
SKIP = ("app.ui", "app.db.migrations")


class QtIsAbsent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in QT:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, QtIsAbsent())
try:
    import PySide6  # noqa: F401
except ModuleNotFoundError:
    pass
else:
    raise SystemExit("the finder did not hide Qt")


def walk(package):
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if info.name.startswith(SKIP) or info.name.endswith(".__main__"):
            continue  # a __main__ module runs its program when imported
        module = importlib.import_module(info.name)
        yield info.name
        if info.ispkg:
            yield from walk(module)


import app

names = list(walk(app))
leaked = sorted(m for m in sys.modules if m.partition(".")[0] in QT)
assert not leaked, leaked
print(len(names), "modules")
"""


def test_every_core_module_imports_with_qt_absent(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_THE_CORE],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "", "SAHARA_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    count = int(result.stdout.split()[0])
    assert count > 100, result.stdout  # the walk really went through the packages
