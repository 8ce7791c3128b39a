"""The shipped example agents as a user runs them: ``sahara agent validate|run`` in a real process.

The digit router classifies a real digit image (the digits the app ships, drawn by
``app.labeling.digits``) with the shipped ONNX model, routes even and odd digits to two prompt
templates and answers with the offline LLM (``app.llm.server`` with the shipped character model) on
127.0.0.1:8011, where the example points. When that port is taken here, the same file is run from a
copy pointing at a free port instead. (Should ``app.llm`` be missing, a minimal OpenAI-compatible
stand-in answers instead, so the example's own checks still run.)
"""

from __future__ import annotations

import base64
import errno
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.labeling.digits import digit_png, load_digits
from app.resources import REPO_ROOT, resources_dir

EXAMPLE = REPO_ROOT / "examples" / "agents" / "digit_router.sahara-agent"
LLM_URL = "http://127.0.0.1:8011/v1"


def sahara(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAHARA_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


class StandInHandler(http.server.BaseHTTPRequestHandler):
    """Streams a fixed answer the OpenAI way; only used when ``app.llm`` is not installed."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for word in ("Digits ", "are ", "fun."):
            self.wfile.write(f"data: {json.dumps({'choices': [{'delta': {'content': word}}]})}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


def offline_llm(port: int) -> Any:
    """The offline LLM server on ``port`` (0: any free one), started; it has ``base_url`` and ``stop``."""
    try:
        from app.llm.charlm import CharLM
        from app.llm.server import ChatServer
    except ImportError:
        server: Any = http.server.ThreadingHTTPServer(("127.0.0.1", port), StandInHandler)
        server.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        server.stop = lambda: (server.shutdown(), server.server_close())
        return server
    chat = ChatServer(CharLM(), port=port)
    chat.start()
    return chat


@pytest.fixture(scope="module")
def agent_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example, with the offline LLM serving where it points (or a copy pointing at a free port)."""
    try:
        server = offline_llm(8011)
        path = EXAMPLE
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        server = offline_llm(0)
        path = tmp_path_factory.mktemp("example") / EXAMPLE.name
        path.write_text(EXAMPLE.read_text().replace(LLM_URL, server.base_url))
    yield path
    server.stop()


@pytest.fixture(scope="module")
def digits() -> tuple:
    return load_digits()


def data_url(pixels: object) -> str:
    return "data:image/png;base64," + base64.b64encode(digit_png(pixels)).decode()


def test_the_example_validates_and_lists_the_model_it_uses(home: Path) -> None:
    result = sahara("agent", "validate", str(EXAMPLE), home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    raw = json.loads(EXAMPLE.read_text())
    model = resources_dir() / "models" / "digits.onnx"
    assert raw["models"] == [
        {
            "ref": "resource:models/digits.onnx",
            "kind": "resource",
            "name": "digits.onnx",
            "sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
            "size": model.stat().st_size,
        }
    ], "the example lists the shipped model as it is"
    nodes = {n["id"]: n for n in raw["nodes"]}
    assert nodes["llm"]["config"]["base_url"] == LLM_URL
    note = nodes["llm_note"]["config"]["text"]
    assert LLM_URL in note and "sahara serve-llm" in note
    assert {n["type"] for n in raw["nodes"]} >= {
        "input",
        "onnx_model",
        "router",
        "prompt_template",
        "llm_chat",
    }


@pytest.mark.parametrize("label", [4, 7])
def test_runs_headless_and_takes_the_route_of_the_digit_class(
    agent_file: Path, digits: tuple, home: Path, label: int
) -> None:
    images, labels = digits
    pixels = images[list(labels).index(label)]  # the first real image of that digit
    before = agent_file.read_bytes()
    inputs = json.dumps({"image": data_url(pixels)})
    result = sahara("agent", "run", str(agent_file), "--input", inputs, "--trace", "--no-history", home=home)
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)
    parity, other = ("even", "odd") if label % 2 == 0 else ("odd", "even")
    assert outputs["digit"] == str(label)
    assert outputs["prompt"].startswith(f"The picture shows a handwritten {parity} digit: {label}.")
    assert isinstance(outputs["answer"], str) and outputs["answer"].strip(), "the offline LLM answered"
    trace = result.stderr
    assert f"skipped                {other}_prompt: its branch was not taken" in trace
    assert any(line.startswith("ok") and line.endswith(f"  {parity}_prompt") for line in trace.splitlines())
    assert any(line.startswith("ok") and line.endswith("  llm") for line in trace.splitlines())
    assert agent_file.read_bytes() == before, "running never writes the agent file"


def test_pixel_rows_work_as_well_as_a_picture(agent_file: Path, digits: tuple, home: Path) -> None:
    images, labels = digits
    pixels = images[list(labels).index(3)]
    rows = (pixels / 16.0).round(4).tolist()  # grey levels in 0..1, ink bright, as the input says
    result = sahara("agent", "run", str(agent_file), "--input", json.dumps({"image": rows}), home=home)
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)
    assert outputs["digit"] == "3" and "odd digit: 3" in outputs["prompt"]
