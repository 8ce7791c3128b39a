"""`sahara worker` and `sahara compute` as a GPU owner and a requester use them: real processes, a
throwaway SAHARA_HOME, the embedded devnet. The requester (account 0) posts an inference job over
real digits; the worker (account 1) runs it in its sandbox and is paid exactly; the requester's
fetched outputs are ONNX Runtime's own. The worker is killed with -9 right after taking the job and
restarted: it finishes the job from its database and the outbox. A training job posted with
``compute submit --task train`` over a labeling export is trained by the same worker and fetched as
``model.onnx`` and ``metrics.json``. A paused worker takes nothing; a worker killed with -9 in the
middle of a job leaves a job that times out and pays the requester back.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from cli_home import CliHome, ok
from eth_utils import to_checksum_address
from test_serve import sahara

from app.chain.bindings import encode_call
from app.chain.contracts import load_deployment
from app.chain.jsonrpc import rpc_call
from app.labeling.digits import load_digits
from app.resources import resources_dir
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.hd import signing_account

pytestmark = pytest.mark.slow
REQUESTER = signing_account(DEV_MNEMONIC, 0).address
WORKER = signing_account(DEV_MNEMONIC, 1).address
TOKEN = 10**18
DIGITS = resources_dir() / "models" / "digits.onnx"


class Devchain:
    """Cheap reads and clock moves over JSON-RPC, without opening the app."""

    def __init__(self, rpc_url: str, token: str) -> None:
        self.rpc_url, self.token = rpc_url, token

    def balance(self, account: str) -> int:
        data = "0x" + encode_call("SaharaToken", "balanceOf", to_checksum_address(account)).hex()
        return int(rpc_call(self.rpc_url, "eth_call", [{"to": self.token, "data": data}, "latest"]), 16)

    def advance(self, seconds: int) -> None:
        rpc_call(self.rpc_url, "evm_increaseTime", [seconds])
        rpc_call(self.rpc_url, "evm_mine")


def wait_for(log: Path, text: str, process: subprocess.Popen[bytes], timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


def start_worker(home: Path, pw: tuple[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "app.cli",
        "worker",
        "--account",
        "1",
        "--cpu-only",
        "--poll",
        "0.3",
        "--ignore-rules",  # whoever runs the tests may be using this computer: the rules would pause it
        *pw,
    ]
    with open(log, "ab") as sink:
        return subprocess.Popen(
            command, env={**os.environ, "SAHARA_HOME": str(home)}, stdout=sink, stderr=sink
        )


def test_a_worker_runs_a_job_is_paid_and_a_killed_one_refunds(cli: CliHome, tmp_path: Path) -> None:
    home, pw = cli.home, cli.pw
    cli.fund(0, 1)
    deployment = load_deployment(cli.paths.data, "devnet")
    assert deployment is not None
    chain = Devchain(cli.rpc_url, deployment.address("SaharaToken"))
    worker: subprocess.Popen[bytes] | None = None
    try:
        log = tmp_path / "worker.log"
        worker = start_worker(home, pw, log)
        wait_for(log, "taking jobs", worker)
        images, before = _post_digits_job(home, pw, tmp_path, chain)
        # Killed with -9 as soon as it took job 1, wherever it was; a restart finishes the job.
        wait_for(log, "job 1: accepted", worker)
        worker.kill()
        worker.wait(10)
        worker = start_worker(home, pw, log)
        _honest_job_ends(home, pw, tmp_path, chain, images, before, lambda text: wait_for(log, text, worker))
        _training_job(home, pw, tmp_path, chain, lambda text: wait_for(log, text, worker, timeout=180))
        _paused_then_killed(home, pw, tmp_path, chain, log, worker)
        assert "Traceback" not in log.read_text()
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()


def _post_digits_job(
    home: Path, pw: tuple[str, str], tmp_path: Path, chain: Devchain
) -> tuple[np.ndarray, int]:
    """Job 1: digits.onnx over twelve real digits at 0.5 SAHARA; the images and the worker's balance."""
    images = (load_digits()[0][:12] / 16.0).astype(np.float32)[:, None, :, :]
    np.save(tmp_path / "digits.npy", images)
    before = chain.balance(WORKER)
    submit = ("compute", "submit", str(DIGITS), str(tmp_path / "digits.npy"), "--price", "0.5", *pw)
    assert ok(sahara(home, *submit)).stdout == "1\n"
    return images, before


def _honest_job_ends(
    home: Path, pw: tuple[str, str], tmp_path: Path, chain: Devchain, images: np.ndarray, before: int,
    wait: Callable[[str], None],
) -> None:  # fmt: skip
    wait("job 1: submitted")
    status = ok(sahara(home, "compute", "status", "1", *pw)).stdout
    assert "status\tsubmitted" in status and f"provider\t{WORKER}\taccepted" in status
    chain.advance(601)  # past the challenge window: the worker finalizes and withdraws
    wait("job 1: paid")
    assert chain.balance(WORKER) - before == TOKEN // 2  # exactly the price, to the wei

    fetched = ok(sahara(home, "compute", "fetch", "1", "-o", str(tmp_path / "out"), *pw)).stdout.split()
    session = onnxruntime.InferenceSession(str(DIGITS), providers=["CPUExecutionProvider"])
    expected = session.run(None, {session.get_inputs()[0].name: images})
    assert len(fetched) == len(expected)
    for path, want in zip(fetched, expected, strict=True):
        np.testing.assert_array_equal(np.load(path, allow_pickle=False), want)
    stranger = sahara(home, "compute", "fetch", "1", "-o", str(tmp_path / "x"), "--account", "1", *pw)
    assert stranger.returncode == 1 and "not by this account" in stranger.stderr


def _training_job(
    home: Path, pw: tuple[str, str], tmp_path: Path, chain: Devchain, wait: Callable[[str], None]
) -> None:
    """Job 2: the image classifier over 150 labelled digits, posted, trained, paid and fetched."""
    datasets = pytest.importorskip("compute_datasets")
    (tmp_path / "digits.zip").write_bytes(datasets.digits_zip(tmp_path, 150))
    recipe = ("--epochs", "12", "--image-size", "16", "--channels", "1", "--dataset-asset", "3")
    submit = (
        "compute",
        "submit",
        "--task",
        "train",
        str(tmp_path / "digits.zip"),
        "--price",
        "0.25",
        *recipe,
        *pw,
    )
    assert ok(sahara(home, *submit)).stdout == "2\n"
    wait("job 2: submitted")
    assert "task\ttraining" in ok(sahara(home, "compute", "status", "2", *pw)).stdout
    chain.advance(601)
    wait("job 2: paid")
    out = tmp_path / "trained"
    fetched = ok(sahara(home, "compute", "fetch", "2", "-o", str(out), *pw)).stdout.split()
    assert fetched == [str(out / "model.onnx"), str(out / "metrics.json")]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["recipe"]["dataset_asset"] == 3 and metrics["holdout_accuracy"] > 0.5
    session = onnxruntime.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].name == "images"


def _paused_then_killed(
    home: Path,
    pw: tuple[str, str],
    tmp_path: Path,
    chain: Devchain,
    log: Path,
    worker: subprocess.Popen[bytes],
) -> None:
    models = pytest.importorskip("compute_models", reason="the hostile models need the onnx package")
    (tmp_path / "spin.onnx").write_bytes(models.spins(10**12))  # runs until killed
    np.save(tmp_path / "pairs.npy", models.batch())
    ok(sahara(home, "worker", "pause"))
    wait_for(log, "worker paused", worker)
    submit = ("compute", "submit", str(tmp_path / "spin.onnx"), str(tmp_path / "pairs.npy"), "--price", "1",
              "--collateral", "2", "--run-for", "1200", *pw)  # fmt: skip
    assert ok(sahara(home, *submit)).stdout == "3\n"
    time.sleep(1)  # three rounds (and more while the status below runs)
    assert "status\topen" in ok(sahara(home, "compute", "status", "3", *pw)).stdout
    assert "job 3" not in log.read_text()

    ok(sahara(home, "worker", "resume"))
    wait_for(log, "job 3: accepted", worker)
    time.sleep(1)  # the sandbox is spinning
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    assert "status\trunning" in ok(sahara(home, "compute", "status", "3", *pw)).stdout
    before = chain.balance(REQUESTER)
    early = sahara(home, "compute", "refund", "3", *pw)
    assert early.returncode == 1 and "TooEarly" in early.stderr
    chain.advance(3600 + 1200 + 1)  # past the deadline
    assert ok(sahara(home, "compute", "refund", "3", *pw)).stdout == f"{3 * TOKEN}\n"  # payment + collateral
    assert chain.balance(REQUESTER) - before == 3 * TOKEN
    assert "status\tslashed" in ok(sahara(home, "compute", "status", "3", *pw)).stdout
