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
    """What one job may use. ``memory_mib`` 0 means no address-space cap (GPU jobs, see sandbox)."""

    cpu_s: int = 3600
    memory_mib: int = 4096
    wall_s: float = 3600.0


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
    ]


class SandboxRunner:
    """Runs jobs one at a time in child processes under ``scratch_root`` (one folder per job)."""

    def __init__(
        self, scratch_root: Path, limits: Limits | None = None, provider: str = "CPUExecutionProvider"
    ):
        self.scratch_root = scratch_root
        self.limits = limits or Limits()
        self.provider = provider
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._kill_reason: str | None = None

    def kill(self, reason: str = "paused") -> None:
        """Stop the running job, if any; its ``run`` raises ``JobKilled(reason)``."""
        with self._lock:
            self._kill_reason = reason
            if self._process is not None:
                _kill_group(self._process)

    def run(self, model: bytes, inputs: bytes) -> bytes:
        """The result container for ``model`` over ``inputs``, or ``JobError`` saying why not."""
        self.scratch_root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="job-", dir=self.scratch_root))
        try:
            (scratch / sandbox.MODEL).write_bytes(model)
            (scratch / sandbox.INPUTS).write_bytes(inputs)
            return self._run_in(scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _run_in(self, scratch: Path) -> bytes:
        log_path = scratch / "child.log"
        with self._lock:
            self._kill_reason = None
            with open(log_path, "wb") as log:
                self._process = subprocess.Popen(
                    child_command(self.provider, self.limits),
                    cwd=scratch,
                    env=child_environment(scratch),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: a kill takes ORT's threads too
                )
            process = self._process
        deadline = time.monotonic() + self.limits.wall_s
        try:
            while process.poll() is None:
                if time.monotonic() > deadline:
                    self.kill(
                        f"the job went over its wall-time limit ({self.limits.wall_s:g} s) and was killed"
                    )
                time.sleep(POLL_S)
        finally:
            with self._lock:
                self._process = None
                reason = self._kill_reason
        message = _last_line(log_path)
        code = process.returncode
        if reason is not None:
            raise JobKilled(reason)
        if code == sandbox.EXIT_OK:
            return (scratch / sandbox.RESULT).read_bytes()
        if code == sandbox.EXIT_REFUSED:
            raise JobRefused(message.removeprefix("refused: "))
        if code == sandbox.EXIT_MEMORY or "MemoryError" in message:
            raise JobKilled(f"the job went over its memory limit ({self.limits.memory_mib} MiB): {message}")
        if code in (-getattr(signal, "SIGXCPU", 24), -signal.SIGKILL):
            raise JobKilled(f"the job went over its CPU-time limit ({self.limits.cpu_s} s) and was killed")
        raise JobError(f"the job failed (exit {code}): {message or 'no message'}")


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


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text("utf-8", "replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1][:2000] if lines else ""
