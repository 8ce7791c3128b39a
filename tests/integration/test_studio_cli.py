"""``sahara agent``: run a graph file headless against a loopback LLM, validate, manage secrets."""

from __future__ import annotations

import argparse
import contextlib
import http.server
import io
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli.agent import add_agent_parser
from app.paths import AppPaths
from app.studio.graph import SCHEMA_VERSION

KEY = "sk-cli-secret-123456"


class ChatHandler(http.server.BaseHTTPRequestHandler):
    """A minimal OpenAI-compatible streaming endpoint (one reply per request)."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            self.send_response(401)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for word in ("Answer", " to: ", body["messages"][-1]["content"]):
            chunk = {"choices": [{"delta": {"content": word}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def llm_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ChatHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()
    thread.join()


def agent_file(tmp_path: Path, llm_url: str) -> Path:
    """number -> router (even/odd) -> two templates -> LLM -> output."""
    graph = {
        "schema_version": SCHEMA_VERSION,
        "name": "parity agent",
        "nodes": [
            {"id": "n", "type": "input", "config": {"name": "n", "type": "number"}},
            {
                "id": "route",
                "type": "router",
                "config": {"routes": [{"name": "even", "when": "value % 2 == 0"}]},
            },
            {"id": "even", "type": "prompt_template", "config": {"template": "Why is {{ x }} even?"}},
            {"id": "odd", "type": "prompt_template", "config": {"template": "Why is {{ x }} odd?"}},
            {"id": "llm", "type": "llm_chat", "config": {"base_url": llm_url, "api_key_secret": "local"}},
            {"id": "out", "type": "output", "config": {"name": "answer"}},
            {"id": "note", "type": "note", "config": {"text": "routes by parity"}},
        ],
        "edges": [
            {"id": "e1", "source": "n", "source_port": "value", "target": "route", "target_port": "value"},
            {"id": "e2", "source": "route", "source_port": "even", "target": "even", "target_port": "x"},
            {"id": "e3", "source": "route", "source_port": "default", "target": "odd", "target_port": "x"},
            {"id": "e4", "source": "even", "source_port": "text", "target": "llm", "target_port": "prompt"},
            {"id": "e5", "source": "odd", "source_port": "text", "target": "llm", "target_port": "prompt"},
            {"id": "e6", "source": "llm", "source_port": "text", "target": "out", "target_port": "value"},
        ],
    }
    path = tmp_path / "parity.sahara-agent"
    path.write_text(json.dumps(graph, indent=2))
    return path


def agent(paths: AppPaths, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="sahara")
    add_agent_parser(parser.add_subparsers())
    args = parser.parse_args(["agent", *argv])
    args.paths = paths
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.setattr("sys.stdin", io.StringIO(stdin))
        code = args.func(args)
    return code, out.getvalue(), err.getvalue()


def test_run_prints_outputs_as_json_and_records_history(
    paths: AppPaths, tmp_path: Path, llm_url: str
) -> None:
    assert agent(paths, "secret", "set", "local", stdin=KEY + "\n")[0] == 0
    path = agent_file(tmp_path, llm_url)
    before = path.read_bytes()
    code, out, err = agent(paths, "run", str(path), "--input", '{"n": 7}', "--trace")
    assert code == 0, err
    assert json.loads(out) == {"answer": "Answer to: Why is 7 odd?"}
    assert "skipped" in err and "even: its branch was not taken" in err
    code, out, _ = agent(paths, "run", str(path), "--input", '{"n": 4}')
    assert json.loads(out) == {"answer": "Answer to: Why is 4 even?"}
    assert path.read_bytes() == before
    with contextlib.closing(sqlite3.connect(paths.database)) as conn:
        assert conn.execute("SELECT count(*) FROM studio_run WHERE status = 'ok'").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM studio_node_trace").fetchone()[0] >= 10
    assert KEY.encode() not in paths.database.read_bytes()


def test_errors_exit_non_zero_with_a_clear_message(paths: AppPaths, tmp_path: Path, llm_url: str) -> None:
    path = agent_file(tmp_path, llm_url)
    code, out, err = agent(paths, "run", str(path), "--input", '{"n": 3}', "--no-history")
    assert code == 1 and json.loads(out) == {}
    assert "agent: run failed: llm: no secret named 'local'" in err
    assert agent(paths, "run", str(path), "--input", "{n: 3}")[2].startswith(
        "agent: --input is not valid JSON"
    )
    assert "must be a JSON object" in agent(paths, "run", str(path), "--input", "[3]")[2]
    code, _, err = agent(paths, "run", str(path))
    assert code == 1 and "no value given for input 'n'" in err


def test_an_invalid_file_is_reported_and_never_modified(paths: AppPaths, tmp_path: Path) -> None:
    broken = tmp_path / "broken.sahara-agent"
    broken.write_text('{"schema_version": 1, "nodes": [}')
    code, _, err = agent(paths, "run", str(broken))
    assert code == 1 and err.strip() == f"agent: {broken}: not valid JSON (line 1, column 33)"
    assert broken.read_text() == '{"schema_version": 1, "nodes": [}'
    cyclic = tmp_path / "cyclic.sahara-agent"
    cyclic.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "nodes": [
                    {"id": "a", "type": "prompt_template", "config": {"template": "{{ x }}"}},
                    {"id": "b", "type": "mystery"},
                ],
                "edges": [
                    {"id": "e", "source": "a", "source_port": "text", "target": "a", "target_port": "x"}
                ],
            }
        )
    )
    code, _, err = agent(paths, "run", str(cyclic))
    assert code == 1 and "the graph cannot run" in err
    assert "node a: is part of a cycle" in err and "node b: unknown node type 'mystery'" in err
    code, out, _ = agent(paths, "validate", str(cyclic))
    assert code == 1 and len(out.splitlines()) == 2


def test_secrets_are_managed_by_name_and_read_from_stdin(paths: AppPaths) -> None:
    assert agent(paths, "secret", "set", "api", stdin="value-1\n")[0] == 0
    assert agent(paths, "secret", "list") == (0, "api\n", "")
    assert agent(paths, "secret", "set", "empty", stdin="\n")[2] == "agent: empty value: nothing stored\n"
    assert agent(paths, "secret", "delete", "api")[0] == 0
    assert agent(paths, "secret", "delete", "api")[2] == "agent: no secret named 'api'\n"
