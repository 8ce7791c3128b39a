"""Run one job in a sandboxed child process: limits, a scratch folder, nothing else of this machine.

The child (sandbox.py) is started with ``-s -m app.compute.sandbox`` in a fresh scratch folder
that holds only the job's model and inputs, with an environment built from nothing: the Python
path to the app's code, a scratch ``HOME``/``TMPDIR``, and the GPU variables CUDA needs. It gets
no ``SAHARA_HOME``, no data folder and no keystore path, in its environment or its arguments.
It caps its own CPU time and address space before reading the model (``limit_self``); this side
enforces the wall time and kills the whole process group on timeout or ``kill()`` (pause, stop).

``run`` blocks, so the provider loop calls it in a thread; ``kill`` may be called from any thread.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from app.compute import sandbox

APP_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the `app` package
PASS_THROUGH = ("CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH", "SYSTEMROOT", "PATH")
POLL_S = 0.05


@dataclass(frozen=True)
class Limits:
    """What one job may use. ``memory_mib`` 0 means no address-space cap (GPU jobs, see sandbox);
    ``vram_mib`` 0 means no VRAM cap (the CUDA provider's ``gpu_mem_limit``, torch's memory fraction)."""

    cpu_s: int = 3600
    memory_mib: int = 4096
    wall_s: float = 3600.0
    vram_mib: int = 0


class JobError(RuntimeError):
    """The job produced no result; the message says why in words."""


class JobRefused(JobError):
    """The model or inputs were refused before running (custom operators, external data, bad arrays)."""


class JobKilled(JobError):
    """The job was stopped: over a limit, or paused."""


def child_environment(scratch: Path) -> dict[str, str]:
    """The child's whole environment: nothing of the parent's but what a GPU needs."""
    env = {name: os.environ[name] for name in PASS_THROUGH if name in os.environ}
    env.update(
        PYTHONPATH=str(APP_ROOT),
        PYTHONNOUSERSITE="1",
        PYTHONDONTWRITEBYTECODE="1",
        HOME=str(scratch),
        TMPDIR=str(scratch),
        TEMP=str(scratch),
        TMP=str(scratch),
    )
    return env


def child_command(provider: str, limits: Limits) -> list[str]:
    return [
        sys.executable,
        "-s",
        "-m",
        "app.compute.sandbox",
        provider,
        str(limits.cpu_s),
        str(limits.memory_mib),
        str(limits.vram_mib),
    ]


@dataclass
class _Child:
    process: subprocess.Popen[bytes]
    scratch: Path
    key: tuple[str, Limits]


class SandboxRunner:
    """Runs jobs one at a time in child processes under ``scratch_root`` (one folder per job).

    With ``keep_warm`` a fresh child is started after each job (and by ``prepare``) and waits,
    ONNX Runtime imported, for the next one: the worker's fixed cost per job is then only the
    session ONNX Runtime itself builds. Each job still gets a new process and a new scratch folder.
    """

    def __init__(
        self,
        scratch_root: Path,
        limits: Limits | None = None,
        provider: str = "CPUExecutionProvider",
        *,
        keep_warm: bool = False,
    ) -> None:
        self.scratch_root = scratch_root
        self.limits = limits or Limits()
        self.provider = provider
        self.keep_warm = keep_warm
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._warm: _Child | None = None
        self._spawner: threading.Thread | None = None  # starting the next waiting child, after a job
        self._kill_reason: str | None = None
        self.last_cpu_s = 0.0  # CPU seconds (all threads) the last finished job used in its child

    def kill(self, reason: str = "paused") -> None:
        """Stop the running job, if any; its ``run`` raises ``JobKilled(reason)``."""
        with self._lock:
            self._kill_reason = reason
            if self._process is not None:
                _kill_group(self._process)

    def close(self) -> None:
        """Kill the running job and the waiting child; remove the waiting child's scratch folder."""
        self.kill("the worker is stopping")
        self._settle()
        with self._lock:
            warm, self._warm = self._warm, None
        if warm is not None:
            _kill_group(warm.process)
            warm.process.wait()
            shutil.rmtree(warm.scratch, ignore_errors=True)

    def prepare(self, timeout: float = 60.0) -> None:
        """Start the waiting child now and return once it is ready (benchmarks time jobs, not starts)."""
        self._settle()
        with self._lock:
            if self._warm is None or self._warm.key != (self.provider, self.limits):
                self._warm = self._spawn()
            warm = self._warm
        deadline = time.monotonic() + timeout
        while sandbox.READY not in _text(warm.scratch / "child.log") and warm.process.poll() is None:
            if time.monotonic() > deadline:
                raise JobError("the sandbox did not start in time")
            time.sleep(POLL_S)

    def _spawn(self) -> _Child:
        self.scratch_root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="job-", dir=self.scratch_root))
        with open(scratch / "child.log", "wb") as log:
            process = subprocess.Popen(
                child_command(self.provider, self.limits),
                cwd=scratch,
                env=child_environment(scratch),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,  # "done CODE" once its result is written
                stderr=log,
                start_new_session=True,  # its own process group: a kill takes ORT's threads too
            )
        return _Child(process, scratch, (self.provider, self.limits))

    def _child(self) -> _Child:
        """The waiting child if it still waits with the current settings, else a new one."""
        self._settle()
        with self._lock:
            warm, self._warm = self._warm, None
        if warm is not None and warm.key == (self.provider, self.limits) and warm.process.poll() is None:
            return warm
        if warm is not None:
            _kill_group(warm.process)
            shutil.rmtree(warm.scratch, ignore_errors=True)
        return self._spawn()

    def run(self, model: bytes, inputs: bytes, *, task: int = 0, input_cid: str = "") -> bytes:
        """The result container for ``model`` over ``inputs``, or ``JobError`` saying why not.
        A training job (``task`` 1) passes its recipe as ``model``, its dataset zip as ``inputs``
        and the dataset's CID, which the result's metrics name."""
        child = self._child()
        try:
            if task == 1:
                (child.scratch / sandbox.RECIPE).write_bytes(model)
                (child.scratch / sandbox.DATASET).write_bytes(inputs)
                return self._run_in(child, f"go {task} {input_cid}".strip(), None)
            (child.scratch / sandbox.MODEL).write_bytes(model)
            return self._run_in(child, "go 0", inputs)
        finally:
            _kill_group(child.process)  # done or failed: ending it (and reaping it) is not the job's time
            threading.Thread(target=_reap, args=(child.process,), daemon=True).start()
            shutil.rmtree(child.scratch, ignore_errors=True)
            if self.keep_warm:  # the next job's child starts off this job's time (its result is in)
                self._spawner = threading.Thread(target=self._keep_one_warm, daemon=True)
                self._spawner.start()

    def _keep_one_warm(self) -> None:
        with self._lock:
            if self._warm is None:
                self._warm = self._spawn()

    def _settle(self) -> None:
        """Wait until the waiting child the last job began starting exists (or failed to start:
        ``_child`` then starts one itself and says why it cannot)."""
        spawner = self._spawner
        if spawner is not None:
            spawner.join()

    def _run_in(self, child: _Child, order: str, inputs: bytes | None) -> bytes:
        """Start the waiting child on ``order``; an inference job's ``inputs`` are written meanwhile
        (the child checks the model and builds its session) and announced once whole."""
        process, log_path = child.process, child.scratch / "child.log"
        with self._lock:
            self._kill_reason = None
            self._process = process
        wall = self.limits.wall_s
        timer = threading.Timer(
            wall, self.kill, (f"the job went over its wall-time limit ({wall:g} s) and was killed",)
        )
        timer.daemon = True
        timer.start()
        code: int | None = None
        assert process.stdin is not None and process.stdout is not None
        try:
            _tell(process, order)
            if inputs is not None:
                (child.scratch / sandbox.INPUTS).write_bytes(inputs)
                _tell(process, sandbox.INPUTS_WRITTEN)
            _tell(process, None)
            for line in process.stdout:  # blocking reads: back the moment the result is written
                if line.startswith(sandbox.DONE.encode()):
                    _, said, cpu = line.split()
                    code, self.last_cpu_s = int(said), float(cpu)
                    break
            if code is None:  # it died (or was killed) without saying
                code = process.wait()
        finally:
            timer.cancel()
            with self._lock:
                self._process = None
                reason = self._kill_reason
        message = _last_line(log_path)
        if reason is not None:
            raise JobKilled(reason)
        if code == sandbox.EXIT_OK:
            return (child.scratch / sandbox.RESULT).read_bytes()
        if code == sandbox.EXIT_REFUSED:
            raise JobRefused(message.removeprefix("refused: "))
        if code == sandbox.EXIT_MEMORY or "MemoryError" in message:
            raise JobKilled(f"the job went over its memory limit ({self.limits.memory_mib} MiB): {message}")
        if code in (-getattr(signal, "SIGXCPU", 24), -signal.SIGKILL):
            raise JobKilled(f"the job went over its CPU-time limit ({self.limits.cpu_s} s) and was killed")
        raise JobError(f"the job failed (exit {code}): {message or 'no message'}")


def _tell(process: subprocess.Popen[bytes], line: str | None) -> None:
    """One line to the child (None: close its stdin, it gets nothing more)."""
    assert process.stdin is not None
    try:
        if line is None:
            process.stdin.close()
        else:
            process.stdin.write(line.encode() + b"\n")
            process.stdin.flush()
    except OSError:
        pass  # it died meanwhile (a refused model ends it early): its exit code and log say why


def _reap(process: subprocess.Popen[bytes]) -> None:
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass  # it ended meanwhile


def _text(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except OSError:
        return ""


def _last_line(path: Path) -> str:
    lines = _text(path).strip().splitlines()
    return lines[-1][:2000] if lines else ""
