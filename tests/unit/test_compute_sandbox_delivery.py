"""How the sandbox child takes its job and hands it back, attacked: inputs never announced as
written are not read (the worker writes them while the child builds its session); the result is
written, in pieces straight from the outputs' memory, before the job's memory is freed (for a large
batch ORT's arena holds gigabytes, and unmapping them took a tenth of the job's time when it came
before ``done``)."""

from __future__ import annotations

import gc
import io
import struct
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime
import pytest

from app.compute import sandbox
from app.compute.runner import Limits, SandboxRunner, child_command, child_environment
from app.compute.tensors import MAGIC, decode_outputs, encode_inputs, encode_outputs, output_parts
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

    def done(result: Sequence[bytes | memoryview]) -> None:
        events.append(decode_outputs(b"".join(result))[0][0])

    sandbox.run_inference("CPUExecutionProvider", 0, done, lambda: None)
    gc.collect()

    assert events == ["probabilities", "session freed"]


def test_deliver_writes_the_result_and_says_done_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sandbox, "_said", [False])
    sandbox.deliver([b"res", memoryview(b"ult")])
    sandbox.say_done(sandbox.EXIT_FAILED)  # what main's end does: nothing more once it was said

    assert (tmp_path / sandbox.RESULT).read_bytes() == b"result"
    assert not (tmp_path / (sandbox.RESULT + ".part")).exists()
    (line,) = capsys.readouterr().out.splitlines()
    assert line.split()[:2] == [sandbox.DONE, str(sandbox.EXIT_OK)]


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.float32).reshape(3, 4),
        np.arange(12, dtype=">i4").reshape(4, 3).T,  # big-endian, not contiguous
        np.array(True),
        np.zeros((0, 5), np.uint8),
        np.ones((2, 2), np.float16),
    ],
)
def test_the_pieces_written_in_turn_are_the_canonical_container(array: np.ndarray) -> None:
    outputs = [("first", array), ("second", np.arange(3, dtype=np.int64))]
    joined = b"".join(output_parts(outputs))

    bodies = []
    for _, value in outputs:
        buffer = io.BytesIO()  # what the container held before it was written in pieces
        np.lib.format.write_array(buffer, np.ascontiguousarray(value), version=(1, 0), allow_pickle=False)
        bodies.append(buffer.getvalue())
    expected = MAGIC + struct.pack(">I", 2)
    for (name, _), body in zip(outputs, bodies, strict=True):
        expected += struct.pack(">H", len(name)) + name.encode() + struct.pack(">Q", len(body)) + body
    assert joined == expected == encode_outputs(outputs)
    assert [(n, a.tolist()) for n, a in decode_outputs(joined)] == [
        (n, np.ascontiguousarray(a).tolist()) for n, a in outputs
    ]


def test_a_child_never_told_its_inputs_are_whole_does_not_read_them(tmp_path: Path) -> None:
    """The worker writes the inputs while the child builds its session: a child told to go whose
    inputs never get announced (the worker died mid-write) stops without reading the partial file."""
    (tmp_path / sandbox.MODEL).write_bytes((resources_dir() / "models" / "digits.onnx").read_bytes())
    (tmp_path / sandbox.INPUTS).write_bytes(encode_inputs(np.ones((4, 1, 8, 8), np.float32))[:100])
    child = subprocess.run(
        child_command("CPUExecutionProvider", Limits()), cwd=tmp_path, env=child_environment(tmp_path),
        input="go 0\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert child.returncode == sandbox.EXIT_FAILED
    assert "stopped before the job's inputs were written" in child.stderr.splitlines()[-1]
    assert child.stdout.split()[:2] == [sandbox.DONE, str(sandbox.EXIT_FAILED)]
    assert not (tmp_path / sandbox.RESULT).exists()


def test_each_job_gets_a_new_child_and_close_leaves_none_behind(tmp_path: Path) -> None:
    """The next job's child starts in the background once a job's result is in; a close racing that
    start still ends it and removes its folder."""
    runner = SandboxRunner(tmp_path / "scratch", Limits(cpu_s=60, wall_s=60), keep_warm=True)
    model, inputs = (
        (resources_dir() / "models" / "digits.onnx").read_bytes(),
        encode_inputs(np.ones((2, 1, 8, 8), np.float32)),
    )
    children = []
    for _ in range(2):
        runner.prepare()
        assert runner._warm is not None
        children.append(runner._warm.process)
        decode_outputs(runner.run(model, inputs))
    runner.close()

    assert children[0].pid != children[1].pid
    assert all(child.wait(timeout=10) is not None for child in children)
    assert list((tmp_path / "scratch").iterdir()) == []
