"""The child hands its result over before freeing the job's memory: for a large batch, ORT's arena
holds gigabytes, and unmapping them took a tenth of the job's time when it came before ``done``."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import onnxruntime
import pytest

from app.compute import sandbox
from app.compute.tensors import decode_outputs, encode_inputs
from app.resources import resources_dir


def test_the_result_is_delivered_while_the_session_still_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []

    class Session(onnxruntime.InferenceSession):
        def __del__(self) -> None:
            events.append("session freed")

    monkeypatch.setattr(onnxruntime, "InferenceSession", Session)
    monkeypatch.chdir(tmp_path)
    (tmp_path / sandbox.MODEL).write_bytes((resources_dir() / "models" / "digits.onnx").read_bytes())
    images = np.random.default_rng(2).random((3, 1, 8, 8), dtype=np.float32)
    (tmp_path / sandbox.INPUTS).write_bytes(encode_inputs(images))

    def done(result: bytes) -> None:
        events.append(decode_outputs(result)[0][0])

    sandbox.run_inference("CPUExecutionProvider", 0, done)
    gc.collect()

    assert events == ["probabilities", "session freed"]


def test_deliver_writes_the_result_and_says_done_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sandbox, "_said", [False])
    sandbox.deliver(b"result")
    sandbox.say_done(sandbox.EXIT_FAILED)  # what main's end does: nothing more once it was said

    assert (tmp_path / sandbox.RESULT).read_bytes() == b"result"
    assert not (tmp_path / (sandbox.RESULT + ".part")).exists()
    (line,) = capsys.readouterr().out.splitlines()
    assert line.split()[:2] == [sandbox.DONE, str(sandbox.EXIT_OK)]
