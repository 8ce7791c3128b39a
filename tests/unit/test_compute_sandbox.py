"""The sandboxed runner, attacked: custom operators, external data, memory and time bombs, pause,
sockets opened from the child (and a dataset naming a URL), what the child is told about this
machine, and the VRAM cap it is given."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import onnxruntime
import pytest

from app.compute.onnx_check import UnsafeModel, check_model
from app.compute.runner import JobKilled, JobRefused, Limits, SandboxRunner, child_command, child_environment
from app.compute.tensors import TensorError, decode_inputs, decode_outputs, encode_inputs
from app.resources import resources_dir

models = pytest.importorskip("compute_models")
DIGITS = resources_dir() / "models" / "digits.onnx"


def runner(tmp_path: Path, **limits: float) -> SandboxRunner:
    return SandboxRunner(
        tmp_path / "scratch", Limits(**{"cpu_s": 60, "memory_mib": 3072, "wall_s": 60, **limits})
    )


def test_digits_runs_and_matches_onnx_runtime(tmp_path: Path) -> None:
    images = np.random.default_rng(1).random((5, 1, 8, 8), dtype=np.float32)
    ((name, outputs),) = decode_outputs(runner(tmp_path).run(DIGITS.read_bytes(), encode_inputs(images)))
    session = onnxruntime.InferenceSession(str(DIGITS), providers=["CPUExecutionProvider"])
    assert name == session.get_outputs()[0].name
    np.testing.assert_array_equal(outputs, session.run(None, {session.get_inputs()[0].name: images})[0])
    assert list((tmp_path / "scratch").iterdir()) == []  # the scratch folder is gone


@pytest.mark.parametrize("build", [models.custom_op, models.hidden_custom_op])
def test_custom_operator_domains_are_refused(tmp_path: Path, build) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnsafeModel, match="custom operator"):
        check_model(build())
    with pytest.raises(JobRefused, match="custom operator"):
        runner(tmp_path).run(build(), encode_inputs(models.batch()))


def test_weights_read_from_another_file_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "keystore.json"
    secret.write_bytes(b"\0" * 8)
    model = models.external_data(str(secret))
    with pytest.raises(JobRefused, match="external files"):
        runner(tmp_path).run(model, encode_inputs(models.batch()))


def test_garbage_and_pickles_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeModel):
        check_model(b"\xff" * 64)
    pickled = (
        b"\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, 'shape': (1,), }" + b" " * 52 + b"\n"
    )
    with pytest.raises(TensorError):
        decode_inputs(pickled + b"\x80\x04N.")
    with pytest.raises(JobRefused, match=r"not a \.npy"):
        runner(tmp_path).run(DIGITS.read_bytes(), b"not numpy")


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="RLIMIT_AS is POSIX")
def test_a_job_over_its_memory_limit_is_stopped_with_a_message(tmp_path: Path) -> None:
    bomb = models.allocates(2**31)  # 8 GiB of zeros
    with pytest.raises(JobKilled, match="memory limit \\(1536 MiB\\)"):
        runner(tmp_path, memory_mib=1536).run(bomb, encode_inputs(models.batch()))


def test_a_job_over_its_wall_time_is_killed_with_a_message(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(JobKilled, match="wall-time limit \\(3 s\\)"):
        runner(tmp_path, wall_s=3).run(models.spins(10**12), encode_inputs(models.batch()))
    assert time.monotonic() - started < 10


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="RLIMIT_CPU is POSIX")
def test_a_job_over_its_cpu_time_is_killed_with_a_message(tmp_path: Path) -> None:
    with pytest.raises(JobKilled, match="CPU-time limit \\(2 s\\)"):
        runner(tmp_path, cpu_s=2).run(models.spins(10**12), encode_inputs(models.batch()))


def test_pause_kills_the_running_job(tmp_path: Path) -> None:
    sandbox = runner(tmp_path)
    threading.Timer(2.0, sandbox.kill, args=("paused by the owner",)).start()
    started = time.monotonic()
    with pytest.raises(JobKilled, match="paused by the owner"):
        sandbox.run(models.spins(10**12), encode_inputs(models.batch()))
    assert time.monotonic() - started < 10


def test_the_child_is_told_nothing_about_the_data_folder_or_keystore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "sahara-home"
    monkeypatch.setenv("SAHARA_HOME", str(data))
    monkeypatch.setenv("SAHARA_PASSWORD", "hunter2")
    scratch = tmp_path / "scratch" / "job-1"
    told = [*child_command("CPUExecutionProvider", Limits()), *child_environment(scratch).values()]
    assert not any(str(data) in item or "hunter2" in item or "keystore" in item for item in told)
    assert set(child_environment(scratch)) <= {
        "PATH", "CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH", "SYSTEMROOT", "PYTHONPATH", "PYTHONNOUSERSITE",
        "PYTHONDONTWRITEBYTECODE", "HOME", "TMPDIR", "TEMP", "TMP",
    }  # fmt: skip


def _listener() -> socket.socket:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(1.0)
    return server


def _contacted(server: socket.socket) -> bool:
    try:
        server.accept()[0].close()
    except TimeoutError:
        return False
    return True


def _in_child(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-s", "-c", code], cwd=tmp_path, env=child_environment(tmp_path),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    "cut",
    [
        "from app.compute.sandbox import isolate; isolate()",
        "import sys; from app.compute.sandbox import _audit; sys.addaudithook(_audit)",
    ],
)
def test_code_reached_through_a_job_cannot_open_a_socket(tmp_path: Path, cut: str) -> None:
    """The child's own cut (namespace + hook), and the hook alone (where namespaces are refused)."""
    with _listener() as server:
        port = server.getsockname()[1]
        connect = f"socket.create_connection(('127.0.0.1', {port}), timeout=2)"
        attack = f"{cut}\nimport socket\n{connect}\nprint('reached')"
        done = _in_child(tmp_path, attack)
        assert done.returncode != 0 and "reached" not in done.stdout
        assert "no network" in done.stderr or "unreachable" in done.stderr
        assert not _contacted(server)
        lookup = _in_child(
            tmp_path, f"{cut}\nimport urllib.request\nurllib.request.urlopen('http://localhost:{port}/')"
        )
        assert lookup.returncode != 0 and not _contacted(server)


def test_the_sandbox_child_cuts_its_network_before_the_job(tmp_path: Path) -> None:
    probe = _in_child(tmp_path, "import ctypes; print(ctypes.CDLL(None).unshare(0x10000000 | 0x40000000))")
    if not sys.platform.startswith("linux") or probe.stdout.strip() != "0":
        pytest.skip("this system refuses unprivileged network namespaces (the audit hook still applies)")
    child = subprocess.Popen(
        child_command("CPUExecutionProvider", Limits()), cwd=tmp_path, env=child_environment(tmp_path),
        stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stderr is not None
        assert "network cut: network namespace and audit hook" in child.stderr.readline()
    finally:
        child.kill()
        child.wait()


def test_a_dataset_naming_a_url_fetches_nothing(tmp_path: Path) -> None:
    datasets = pytest.importorskip("compute_datasets")
    pytest.importorskip("torch")
    with _listener() as server:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/steal.png"
        data = datasets.rewritten(
            datasets.digits_zip(tmp_path, 12),
            lambda d: {**d, "images": [{**i, "file_name": url} for i in d["images"]]},
        )
        recipe = b'{"recipe": "image-classifier", "epochs": 1, "image_size": 8}'
        with pytest.raises(JobRefused, match="not in the zip"):
            runner(tmp_path).run(recipe, data, task=1, input_cid="bafkreiany")
        assert not _contacted(server)


def test_the_vram_cap_reaches_the_cuda_provider() -> None:
    from app.compute.sandbox import _providers

    ((name, options), fallback) = _providers("CUDAExecutionProvider", 2048)
    assert (name, options, fallback) == (
        "CUDAExecutionProvider",
        {"gpu_mem_limit": str(2048 * 2**20)},
        "CPUExecutionProvider",
    )
    assert _providers("CPUExecutionProvider", 2048) == ["CPUExecutionProvider"]
    assert child_command("CUDAExecutionProvider", Limits(vram_mib=2048))[-1] == "2048"
