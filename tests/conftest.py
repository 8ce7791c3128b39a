"""Shared fixtures: every test gets its own SAHARA_HOME so nothing touches a real user's data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.paths import AppPaths, app_paths


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "home"
    monkeypatch.setenv("SAHARA_HOME", str(root))
    return root


@pytest.fixture
def paths(home: Path) -> AppPaths:
    return app_paths().ensure()


@pytest.fixture
def devnets() -> Iterator[list]:
    """Collects Devnet objects a test makes and stops every one of them afterwards."""
    made: list = []
    yield made
    for devnet in made:
        devnet.stop()
