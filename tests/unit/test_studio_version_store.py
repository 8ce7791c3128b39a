"""Named versions: one graph file per snapshot, listed newest first from the file names."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.studio.document import GraphFileError, load_graph
from app.studio.graph import Graph
from app.studio.versions import VersionStore, safe_name

T0 = datetime(2025, 3, 1, 12, 30, 5, 250_000, tzinfo=UTC)


def test_save_writes_a_graph_file_named_by_time_and_name(tmp_path: Path) -> None:
    store = VersionStore(tmp_path / "versions")
    version = store.save("my-agent", "before the router", Graph(name="Mine"), now=T0)
    assert version.path == tmp_path / "versions" / "my-agent" / "20250301T123005250Z-before the router.json"
    assert version.name == "before the router" and version.saved_at == T0
    assert load_graph(version.path).name == "Mine", "a version opens like any agent file"
    if os.name == "posix":
        assert stat.S_IMODE(version.path.stat().st_mode) == 0o644
    assert not [p for p in version.path.parent.iterdir() if p.name.startswith(".")], "no temp file left"


def test_list_is_newest_first_and_ignores_other_files(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    store.save("a", "one", Graph(name="1"), now=T0)
    store.save("a", "two", Graph(name="2"), now=T0 + timedelta(minutes=5))
    store.save("b", "other agent", Graph(), now=T0)
    (tmp_path / "a" / "notes.json").write_text("{}")
    (tmp_path / "a" / "20250301T123005250Z-x.txt").write_text("")
    assert [v.name for v in store.list("a")] == ["two", "one"]
    assert [store.load(v).name for v in store.list("a")] == ["2", "1"]
    assert store.list("nobody") == []


def test_same_name_in_the_same_millisecond_keeps_both(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    first = store.save("a", "v", Graph(name="first"), now=T0)
    second = store.save("a", "v", Graph(name="second"), now=T0)
    assert first.path != second.path and second.name == "v (2)"
    assert {store.load(v).name for v in store.list("a")} == {"first", "second"}


def test_names_are_made_safe_for_file_names() -> None:
    assert safe_name("release: v1/v2?") == "release_ v1_v2_"
    assert safe_name("  ..  ") == "version"
    assert safe_name("Ünïcode ok-1.2") == "Ünïcode ok-1.2"
    assert len(safe_name("x" * 500)) == 80


@pytest.mark.parametrize("agent", ["", "../escape", "a/b", ".hidden"])
def test_an_agent_key_cannot_leave_the_versions_folder(tmp_path: Path, agent: str) -> None:
    with pytest.raises(ValueError, match="not an agent key"):
        VersionStore(tmp_path).save(agent, "v", Graph())


def test_a_damaged_version_is_reported_and_left_alone(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    version = store.save("a", "v", Graph(), now=T0)
    version.path.write_text("{not json")
    with pytest.raises(GraphFileError, match="not valid JSON"):
        store.load(version)
    assert version.path.read_text() == "{not json"
