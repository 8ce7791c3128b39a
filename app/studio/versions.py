"""Named versions of an agent: snapshots the user saves by name, beside the autosaved draft.

Each version is a complete graph file (it opens like any agent) at
``<folder>/<agent>/<UTC timestamp>-<name>.json``, written atomically. The list is read back from the
file names, newest first, so nothing else needs to be kept in step with the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.fileio import atomic_write_text
from app.studio.document import load_graph
from app.studio.graph import Graph

_STAMP = "%Y%m%dT%H%M%S"
_FILE = re.compile(r"^(\d{8}T\d{6})(\d{3})Z-(.*)\.json$")
MAX_NAME = 80


def safe_name(name: str) -> str:
    """``name`` as it can stand in a file name on every OS: letters, digits, spaces and ``._-``."""
    text = re.sub(r"[^\w .\-]+", "_", name.strip()).strip(" .")
    return text[:MAX_NAME].rstrip(" .") or "version"


@dataclass(frozen=True)
class Version:
    path: Path
    name: str
    saved_at: datetime

    @property
    def label(self) -> str:
        return f"{self.name}  ·  {self.saved_at.astimezone().strftime('%Y-%m-%d %H:%M')}"


def _parse(path: Path) -> Version | None:
    match = _FILE.match(path.name)
    if match is None:
        return None
    stamp, millis, name = match.groups()
    try:
        when = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC, microsecond=int(millis) * 1000)
    except ValueError:
        return None
    return Version(path, name, when)


class VersionStore:
    """The named versions of every agent, one folder per agent (its draft's file stem)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _agent_folder(self, agent: str) -> Path:
        if not agent or "/" in agent or "\\" in agent or agent.startswith("."):
            raise ValueError(f"not an agent key: {agent!r}")
        return self.folder / agent

    def save(self, agent: str, name: str, graph: Graph, now: datetime | None = None) -> Version:
        """Write a snapshot of ``graph`` called ``name``; two saves in one millisecond both stay."""
        when = (now or datetime.now(UTC)).astimezone(UTC)
        base = f"{when.strftime(_STAMP)}{when.microsecond // 1000:03d}Z"
        folder = self._agent_folder(agent)
        clean = safe_name(name)
        path = folder / f"{base}-{clean}.json"
        n = 2
        while path.exists():
            path = folder / f"{base}-{clean} ({n}).json"
            n += 1
        atomic_write_text(path, graph.to_json(), mode=0o644)
        version = _parse(path)
        assert version is not None
        return version

    def list(self, agent: str) -> list[Version]:
        """The agent's versions, newest first; files that are not versions are passed over."""
        try:
            files = list(self._agent_folder(agent).glob("*.json"))
        except OSError:
            return []
        found = [v for v in map(_parse, files) if v is not None]
        return sorted(found, key=lambda v: (v.saved_at, v.path.name), reverse=True)

    def load(self, version: Version) -> Graph:
        """The graph saved in ``version``; a damaged file raises ``GraphFileError`` and is left alone."""
        return load_graph(version.path)
