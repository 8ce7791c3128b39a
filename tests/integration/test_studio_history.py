"""Run history in a real, migrated SQLite database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3

from app.db.engine import make_engine, session_factory
from app.db.migrate import current_revision, upgrade
from app.studio.executor import Executor
from app.studio.graph import SCHEMA_VERSION, Graph
from app.studio.history import MAX_JSON, RunHistory


def pipeline(template: str) -> Graph:
    return Graph.model_validate(
        {
            "schema_version": SCHEMA_VERSION,
            "name": "history test",
            "nodes": [
                {"id": "in", "type": "input", "config": {"name": "text"}},
                {"id": "t", "type": "prompt_template", "config": {"template": template}},
                {
                    "id": "r",
                    "type": "router",
                    "config": {"routes": [{"name": "long", "when": "len(value) > 20"}]},
                },
                {"id": "out", "type": "output", "config": {"name": "result"}},
            ],
            "edges": [
                {"id": "e1", "source": "in", "source_port": "value", "target": "t", "target_port": "text"},
                {"id": "e2", "source": "t", "source_port": "text", "target": "r", "target_port": "value"},
                {"id": "e3", "source": "r", "source_port": "long", "target": "out", "target_port": "value"},
            ],
        }
    )


def test_the_migration_adds_the_tables_to_an_existing_database(paths) -> None:
    upgrade(paths.database, "0002")
    with contextlib.closing(sqlite3.connect(paths.database)) as conn, conn:
        conn.execute("INSERT INTO app_state VALUES ('kept', 'yes', '2026-01-01')")
    assert upgrade(paths.database, "0003") == "0003" == current_revision(paths.database)
    with contextlib.closing(sqlite3.connect(paths.database)) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert conn.execute("SELECT value FROM app_state WHERE key='kept'").fetchone() == ("yes",)
    assert {"studio_run", "studio_node_trace"} <= tables


def test_each_run_is_stored_with_a_trace_per_node(paths) -> None:
    upgrade(paths.database)
    engine = make_engine(paths.database)
    history = RunHistory(session_factory(engine), keep=2)
    executor = Executor(history=history)

    async def go(text: str, template: str = "{{ text }} and more words") -> object:
        return await executor.run(pipeline(template), {"text": text})

    first = asyncio.run(go("a short question"))
    again = asyncio.run(go("a short question"))
    assert first.status == again.status == "ok"
    runs = history.recent()
    assert [r.run_id for r in runs] == [again.run_id, first.run_id]
    assert runs[0].graph_name == "history test" and runs[0].duration_s >= 0
    traces = history.traces(first.run_id)
    assert [(t.node_id, t.status) for t in traces] == [("in", "ok"), ("t", "ok"), ("r", "ok"), ("out", "ok")]
    assert json.loads(traces[1].outputs) == {"text": "a short question and more words"}
    assert json.loads(traces[1].inputs) == {"text": "a short question"}
    assert traces[1].duration_us > 0
    assert [t.status for t in history.traces(again.run_id)][1:3] == ["cached", "cached"]

    skipped = asyncio.run(go("hi", template="{{ text }}"))
    assert [(t.node_id, t.status, t.error) for t in history.traces(skipped.run_id)][-1] == (
        "out",
        "skipped",
        "its branch was not taken",
    )
    # keep=2: the oldest run and its traces are gone.
    assert [r.run_id for r in history.recent()] == [skipped.run_id, again.run_id]
    assert history.traces(first.run_id) == []

    huge = asyncio.run(go("x" * (MAX_JSON + 10)))
    stored = json.loads(history.traces(huge.run_id)[0].outputs)
    assert stored["truncated"] is True and len(stored["preview"]) == MAX_JSON
    failed = asyncio.run(executor.run(pipeline("{{ text }}"), {}))
    (summary,) = [r for r in history.recent() if r.run_id == failed.run_id]
    assert summary.status == "error" and summary.error == "in: no value given for input 'text'"
    engine.dispose()
