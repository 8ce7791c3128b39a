"""The child process that runs one job: ``python -m app.compute.sandbox PROVIDER CPU_S MEMORY_MIB``.

Before anything else it caps itself (RLIMIT_CPU, RLIMIT_AS where the OS has them; the parent adds
the wall-time limit).
It reads ``model.onnx`` and ``inputs.npy`` from its working directory (the job's scratch folder,
the only path it is given), refuses unsafe models (onnx_check.py) and malformed inputs, runs the
model over the batch with ONNX Runtime and writes ``result.bin`` (tensors.py's canonical
container). It imports nothing of the app beyond those two modules: no settings, no data folder,
no wallet. The parent (runner.py) enforces the wall time and kills it on pause.

It starts, imports ONNX Runtime, prints ``READY`` and waits for ``go`` on stdin, so the worker can
keep one child warm while it fetches the next job's blobs. Exit codes tell the parent what
happened; the reason in words is the last line of stderr.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

EXIT_OK, EXIT_REFUSED, EXIT_FAILED, EXIT_MEMORY = 0, 2, 3, 4
MODEL, INPUTS, RESULT = "model.onnx", "inputs.npy", "result.bin"
READY = "sandbox ready"


def _is_memory_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, MemoryError) or "bad_alloc" in text or "failed to allocate" in text


def run_job(provider: str) -> bytes:
    """Check the model, run it over the inputs, return the result container."""
    import onnxruntime

    from app.compute.onnx_check import check_model
    from app.compute.tensors import TensorError, decode_inputs, encode_outputs

    model = Path(MODEL).read_bytes()
    check_model(model)
    inputs = decode_inputs(Path(INPUTS).read_bytes())
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    chosen = [provider] if provider == "CPUExecutionProvider" else [provider, "CPUExecutionProvider"]
    session = onnxruntime.InferenceSession(model, options, providers=chosen)
    feeds = session.get_inputs()
    if len(feeds) != 1:
        raise TensorError(f"the model takes {len(feeds)} inputs; batch inference feeds exactly one")
    expected = feeds[0].type.removeprefix("tensor(").removesuffix(")")
    dtype = {"float": "float32", "double": "float64"}.get(expected, expected)
    if str(inputs.dtype) != dtype:
        raise TensorError(f"the model takes {expected} inputs, the job gives {inputs.dtype}")
    names = [o.name for o in session.get_outputs()]
    values = session.run(names, {feeds[0].name: inputs})
    return encode_outputs(list(zip(names, values, strict=True)))


def limit_self(cpu_s: int, memory_mib: int) -> None:
    """Cap this process before the untrusted model is read. RLIMIT_AS (address space) is skipped
    when ``memory_mib`` is 0: CUDA maps far more address space than it uses, so GPU jobs rely on
    the wall-time limit and the VRAM the job declared."""
    if sys.platform.startswith("linux"):  # die with the worker, even when it is killed with -9
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, 9)
    try:
        import resource
    except ImportError:  # Windows: the parent's wall-time limit is the only one
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if cpu_s > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    if memory_mib > 0:
        size = memory_mib * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m app.compute.sandbox PROVIDER CPU_SECONDS MEMORY_MIB", file=sys.stderr)
        return EXIT_FAILED
    provider = argv[0]
    limit_self(int(argv[1]), int(argv[2]))
    import onnxruntime  # noqa: F401  (imported while waiting: a warm child starts the job at once)

    from app.compute.onnx_check import UnsafeModel
    from app.compute.tensors import TensorError

    print(READY, flush=True)
    if sys.stdin.readline().strip() != "go":  # the worker closed the pipe: no job for this child
        return EXIT_OK
    try:
        result = run_job(provider)
    except (UnsafeModel, TensorError) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except BaseException as exc:  # ORT raises its own types; the parent only needs the reason
        if _is_memory_error(exc):
            print(f"out of memory: {exc}", file=sys.stderr)
            return EXIT_MEMORY
        print(f"failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    partial = Path(RESULT + ".part")
    partial.write_bytes(result)
    os.replace(partial, RESULT)
    return EXIT_OK


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # no interpreter teardown: unloading ORT and numpy costs more than many small jobs
