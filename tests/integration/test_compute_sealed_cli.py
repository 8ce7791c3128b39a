"""Sealed inputs through the command line on a devnet the CLI starts: ``compute submit --sealed`` says
the requester must stay online, the worker (``sahara worker``) accepts and waits for the key,
``compute status`` shows it unsent, ``compute deliver`` sends it and exits once no sealed job waits,
and the worker then runs the job: the requester fetches ONNX Runtime's own outputs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from test_compute_worker import DIGITS, REQUESTER, WORKER, start_worker, wait_for
from test_labeling_cli import in_app, ok
from test_serve import PASSWORD, import_wallet, password, sahara  # noqa: F401  (password is a fixture)

from app.labeling.digits import load_digits
from app.paths import AppPaths
from app.runtime import AppRuntime

pytestmark = pytest.mark.slow


def test_a_sealed_job_runs_once_the_requester_sends_its_key(
    home: Path,
    paths: AppPaths,
    password: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    pw = ("--password-file", str(password))
    import_wallet(home, password)
    from app.wallet.service import WalletService

    wallet = WalletService(paths.data / "wallet")
    wallet.unlock(PASSWORD)
    assert wallet.add_account().address == WORKER
    wallet.lock()
    ok(sahara(home, "devnet", "start"))
    worker: subprocess.Popen[bytes] | None = None
    try:

        async def fund(runtime: AppRuntime) -> None:
            assert runtime.outbox is not None
            for account in (REQUESTER, WORKER):
                for row in await runtime.faucet(account):
                    await runtime.outbox.wait(row.id, timeout=60)

        in_app(paths, fund)
        log = tmp_path / "worker.log"
        worker = start_worker(home, pw, log)
        wait_for(log, "taking jobs", worker)
        images = (load_digits()[0][:12] / 16.0).astype(np.float32)[:, None, :, :]
        np.save(tmp_path / "digits.npy", images)
        inputs = str(tmp_path / "digits.npy")
        submit = ("compute", "submit", str(DIGITS), inputs, "--price", "0.5", "--sealed")
        posted = ok(sahara(home, *submit, *pw))
        assert posted.stdout == "1\n"
        assert "only a worker that accepts it gets their key" in posted.stderr
        assert "refunded at its deadline" in posted.stderr

        wait_for(log, "job 1: awaiting-key", worker)  # accepted, and waiting: the inputs are unreadable
        status = ok(sahara(home, "compute", "status", "1", *pw)).stdout
        assert "inputs\tsealed" in status and f"provider\t{WORKER}\taccepted\tinput key not sent" in status

        delivered = ok(sahara(home, "compute", "deliver", "--poll", "0.5", *pw))
        assert f"job 1: input key sent to {WORKER}" in delivered.stderr
        again = ok(sahara(home, "compute", "deliver", "--once", *pw))
        assert "no sealed job of this account waits for a key" in again.stderr

        wait_for(log, "job 1: submitted", worker, timeout=60)
        status = ok(sahara(home, "compute", "status", "1", *pw)).stdout
        assert "input key sent" in status and "status\tsubmitted" in status
        fetched = ok(sahara(home, "compute", "fetch", "1", "-o", str(tmp_path / "out"), *pw)).stdout.split()
        session = onnxruntime.InferenceSession(str(DIGITS), providers=["CPUExecutionProvider"])
        (want,) = session.run(None, {session.get_inputs()[0].name: images})
        (path,) = fetched
        np.testing.assert_array_equal(np.load(path, allow_pickle=False), want)
        assert "Traceback" not in log.read_text()
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
        sahara(home, "devnet", "stop")
