"""The child process that runs one job: ``python -m app.compute.sandbox PROVIDER CPU_S MEMORY_MIB VRAM_MIB``.

Before anything else it cuts itself off the network and caps itself (``isolate``, ``limit_self``;
the parent adds the wall-time limit). It then imports ONNX Runtime, runs a tiny built-in model once
(``warm_up``: ORT's one-time set-up in a new process is then not paid inside the job's time, as it is
not for anyone running ORT in a process that already ran a model), logs ``READY`` and waits for
``go TASK [DATASET_CID]`` on stdin, so the worker can keep one child warm while it fetches the
next job's blobs. It reads its job from its working directory (the job's scratch folder, the only
path it is given) and writes ``result.bin``:

- inference (task 0): ``model.onnx``, then ``inputs.npy``, which the worker writes while the child
  checks the model and builds its session and announces with an ``inputs`` line; unsafe models
  (onnx_check.py) and malformed inputs are refused; the outputs go into tensors.py's canonical
  container, written straight from the outputs' memory;
- training (task 1): ``recipe.json`` and ``dataset.zip``; the recipe (training.py) is trained with
  torch (trainer.py), exported to ONNX, checked like any model, and delivered with its metrics.

It imports nothing of the app beyond those modules: no settings, no data folder, no wallet. The
VRAM cap (``VRAM_MIB``, 0 for none) goes to the CUDA provider's ``gpu_mem_limit`` and to torch's
per-process memory fraction. Exit codes tell the parent what happened; the reason in words is the
last line of stderr; it also prints ``done CODE CPU_S`` on stdout once its result is written (with
the CPU seconds the job itself used, all threads), so the
worker reads the result without waiting for the process's teardown (unmapping what the model used).

Network: the child needs none (the worker fetches the job's blobs and stores its result). On Linux
it first moves into new user and network namespaces, where no interface but a down loopback
exists, so even native code cannot connect; everywhere, an audit hook installed before any job
code runs refuses every socket that is not in ``ALLOWED_HOSTS`` (empty: no storage is reached from
the child), so Python code reached through a job (a library following a URL) fails too.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

EXIT_OK, EXIT_REFUSED, EXIT_FAILED, EXIT_MEMORY = 0, 2, 3, 4
MODEL, INPUTS, RESULT = "model.onnx", "inputs.npy", "result.bin"
RECIPE, DATASET = "recipe.json", "dataset.zip"
READY, DONE, INPUTS_WRITTEN = "sandbox ready", "done", "inputs"
_started = [0.0]  # CPU time (all threads) when the job began: the job's own CPU seconds are reported
_said = [False]  # whether ``done`` was printed (by ``deliver``, before the job's memory is freed)
ALLOWED_HOSTS: frozenset[str] = frozenset()  # hosts a job may reach: none, the worker does the storage
_SOCKET_EVENTS = frozenset({"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"})
_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000


def _is_memory_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return (
        isinstance(exc, MemoryError)
        or "bad_alloc" in text
        or "failed to allocate" in text
        or "out of memory" in text
    )


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "socket.getaddrinfo" and str(args[0]) not in ALLOWED_HOSTS:
        raise PermissionError(f"the sandbox has no network: refused to look up {args[0]!r}")
    if event in _SOCKET_EVENTS:
        address = args[1] if len(args) > 1 else None
        host = address[0] if isinstance(address, tuple) and address else address
        if str(host) not in ALLOWED_HOSTS:
            raise PermissionError(f"the sandbox has no network: refused {event} to {address!r}")


def isolate() -> str:
    """Cut this process off the network; which way, in words. Call before any other thread exists
    (a new user namespace needs a single-threaded process) and before any job code runs."""
    how = "audit hook"
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
            how = "network namespace and audit hook"
    sys.addaudithook(_audit)
    return how


def _providers(provider: str, vram_mib: int) -> list[object]:
    if provider == "CPUExecutionProvider":
        return [provider]
    if provider == "CUDAExecutionProvider" and vram_mib > 0:
        return [(provider, {"gpu_mem_limit": str(vram_mib * 1024 * 1024)}), "CPUExecutionProvider"]
    return [provider, "CPUExecutionProvider"]


def say_done(code: int) -> None:
    """Tell the worker the job is over: ``done CODE CPU_S`` on stdout, once."""
    if not _said[0]:
        _said[0] = True
        sys.stderr.flush()
        used = time.process_time() - _started[0]
        print(f"{DONE} {code} {used:.4f}", flush=True)


Deliver = Callable[[Sequence[bytes | memoryview]], None]


def deliver(result: Sequence[bytes | memoryview]) -> None:
    """Write ``result.bin`` (the pieces of the result, in order) and say ``done`` at once. The jobs
    call it while their session, inputs and outputs still exist: freeing them (unmapping the
    gigabytes ORT's arena faulted in for a large batch) is the process's teardown, which the worker
    does not wait for."""
    partial = Path(RESULT + ".part")
    with open(partial, "wb") as file:
        for piece in result:
            file.write(piece)
    os.replace(partial, RESULT)
    say_done(EXIT_OK)


def wait_for_inputs() -> None:
    """Wait for the worker's word that ``inputs.npy`` is whole: it writes the batch while this child
    checks the model and builds its session, so neither waits for the other."""
    if sys.stdin.readline().strip() != INPUTS_WRITTEN:
        raise RuntimeError("the worker stopped before the job's inputs were written")


def run_inference(provider: str, vram_mib: int, done: Deliver, inputs_written: Callable[[], None]) -> None:
    """Check the model, build its session, then (once ``inputs_written`` returns) run it over the
    inputs and hand the result container to ``done``."""
    import numpy as np
    import onnxruntime

    from app.compute.onnx_check import check_model
    from app.compute.tensors import TensorError, load_inputs, output_parts

    model = Path(MODEL).read_bytes()
    check_model(model)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(model, options, providers=_providers(provider, vram_mib))
    inputs_written()
    inputs = load_inputs(Path(INPUTS))
    feeds = session.get_inputs()
    if len(feeds) != 1:
        raise TensorError(f"the model takes {len(feeds)} inputs; batch inference feeds exactly one")
    expected = feeds[0].type.removeprefix("tensor(").removesuffix(")")
    dtype = {"float": "float32", "double": "float64"}.get(expected, expected)
    if str(inputs.dtype) != dtype:
        raise TensorError(f"the model takes {expected} inputs, the job gives {inputs.dtype}")
    names = [o.name for o in session.get_outputs()]
    values = session.run(names, {feeds[0].name: np.asarray(inputs)})
    done(output_parts(list(zip(names, values, strict=True))))  # the session is freed after this


def run_training(provider: str, vram_mib: int, dataset_cid: str, done: Deliver) -> None:
    """Train the recipe on the dataset, check the exported model, hand model and metrics to ``done``."""
    from app.compute.dataset import read_dataset
    from app.compute.onnx_check import check_model
    from app.compute.training import encode_model_result, parse_recipe

    recipe = parse_recipe(Path(RECIPE).read_bytes())
    dataset = read_dataset(Path(DATASET).read_bytes(), recipe.image_size, recipe.channels)
    try:
        from app.compute.trainer import train
    except ImportError as exc:
        raise RuntimeError(f"this worker cannot train: {exc}") from exc
    model, metrics = train(recipe, dataset, dataset_cid, provider, vram_mib)
    check_model(model)
    done([encode_model_result(model, metrics)])


def warm_up() -> None:
    """Run ``resources/models/warmup.onnx`` once on the CPU: ORT's environment, allocator, thread
    pool and kernel dispatch are set up while the child waits. The job's own session is still built
    from nothing. A failure only means a cold start, said on stderr."""
    import numpy as np
    import onnxruntime

    from app.resources import resources_dir

    try:
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        model = (resources_dir() / "models" / "warmup.onnx").read_bytes()
        session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        session.run(None, {"x": np.ones((4, 16), np.float32)})
    except Exception as exc:  # ORT raises its own types; a cold start is no error
        print(f"warm-up skipped: {exc}", file=sys.stderr, flush=True)


def limit_self(cpu_s: int, memory_mib: int) -> None:
    """Cap this process before the untrusted model is read. RLIMIT_AS (address space) is skipped
    when ``memory_mib`` is 0: CUDA maps far more address space than it uses, so GPU jobs rely on
    the wall-time limit and the VRAM cap."""
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
    if len(argv) != 4:
        print("usage: python -m app.compute.sandbox PROVIDER CPU_S MEMORY_MIB VRAM_MIB", file=sys.stderr)
        return EXIT_FAILED
    network = isolate()  # first: no thread exists yet, no job code has run
    provider, vram_mib = argv[0], int(argv[3])
    limit_self(int(argv[1]), int(argv[2]))
    warm_up()  # imports ONNX Runtime and sets it up while waiting: a warm child starts the job at once

    from app.compute.dataset import DatasetError
    from app.compute.onnx_check import UnsafeModel
    from app.compute.tensors import TensorError
    from app.compute.training import RecipeError

    print(f"{READY} (network cut: {network})", file=sys.stderr, flush=True)
    words = sys.stdin.readline().split()
    _started[0] = time.process_time()
    if not words or words[0] != "go":  # the worker closed the pipe: no job for this child
        return EXIT_OK
    try:
        if words[1:2] == ["1"]:
            run_training(provider, vram_mib, words[2] if len(words) > 2 else "", deliver)
        else:
            run_inference(provider, vram_mib, deliver, wait_for_inputs)
    except (UnsafeModel, TensorError, RecipeError, DatasetError) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except BaseException as exc:  # ORT and torch raise their own types; the parent only needs the reason
        if _is_memory_error(exc):
            print(f"out of memory: {exc}", file=sys.stderr)
            return EXIT_MEMORY
        print(f"failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    code = main(sys.argv[1:])
    say_done(code)  # the worker reads the result now, not after the teardown
    os._exit(code)  # no interpreter teardown: unloading ORT and numpy costs more than many small jobs
