"""This computer as a GPU owner sees it: its GPUs (NVML), ONNX Runtime's providers, a benchmark score.

Everything here describes rather than raises: a machine without an NVIDIA GPU, without the driver
or without ``nvidia-ml-py`` is normal, and each answer says in words what is missing. NVML is read
fresh on every call (temperature and utilisation change by the second); the benchmark is slow
(a few seconds of inference), so its score is cached in a small JSON file keyed by everything that
would change it (provider, ONNX Runtime version, the model's bytes).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from app import safe_json
from app.compute.jobs import ORT_PROVIDER, Kind
from app.fileio import atomic_write_text
from app.resources import resources_dir

log = logging.getLogger(__name__)

BENCH_MODEL = "models/digits.onnx"  # shipped with the app: an 8×8 digit classifier
BENCH_BATCH = 256
BENCH_SECONDS = 2.0
KIND_NAMES = {Kind.CUDA: "CUDA", Kind.DIRECTML: "DirectML", Kind.COREML: "CoreML", Kind.CPU: "CPU"}


@dataclass(frozen=True)
class GpuReading:
    """One NVIDIA GPU now: what it is and how busy and hot it is (None: NVML would not say)."""

    index: int
    name: str
    vram_total_mib: int
    vram_used_mib: int
    driver: str
    temperature_c: int | None
    utilisation_pct: int | None


@dataclass(frozen=True)
class ProviderInfo:
    """An ONNX Runtime execution provider the worker could use, or why it cannot."""

    kind: Kind
    name: str  # "CUDA", "DirectML", ...
    available: bool
    note: str  # why not, or what it runs on


@dataclass(frozen=True)
class Score:
    """The benchmark: how many digit images per second this computer classifies on ``provider``."""

    provider: str
    per_second: float
    measured_at: float  # Unix time
    key: str  # what it was measured with (provider, runtime version, model): a change re-measures


def _nvml() -> tuple[ModuleType | None, str | None]:
    try:
        import pynvml
    except ImportError:
        return None, "nvidia-ml-py is not installed, so NVIDIA GPUs cannot be read"
    return pynvml, None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def read_gpus(nvml: ModuleType | None = None) -> tuple[list[GpuReading], str | None]:
    """Every NVIDIA GPU with its readings, and, when there is none, why in words (no driver, no
    library, no device). ``nvml`` is the ``pynvml`` module (a unit test passes its own)."""
    problem = None
    if nvml is None:
        nvml, problem = _nvml()
        if nvml is None:
            return [], problem
    try:
        nvml.nvmlInit()
    except nvml.NVMLError as exc:
        return [], f"No NVIDIA driver was found ({exc}); jobs run on the other providers."
    try:
        driver = _text(nvml.nvmlSystemGetDriverVersion())
        readings = [_reading(nvml, index, driver) for index in range(nvml.nvmlDeviceGetCount())]
    except nvml.NVMLError as exc:
        return [], f"The NVIDIA driver did not answer ({exc})."
    finally:
        with contextlib.suppress(nvml.NVMLError):
            nvml.nvmlShutdown()
    return readings, None if readings else "The NVIDIA driver is installed but sees no GPU."


def _reading(nvml: ModuleType, index: int, driver: str) -> GpuReading:
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    memory = nvml.nvmlDeviceGetMemoryInfo(handle)
    temperature: int | None
    utilisation: int | None
    try:
        temperature = int(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU))
    except nvml.NVMLError:
        temperature = None
    try:
        utilisation = int(nvml.nvmlDeviceGetUtilizationRates(handle).gpu)
    except nvml.NVMLError:
        utilisation = None
    mib = 1024 * 1024
    return GpuReading(
        index, _text(nvml.nvmlDeviceGetName(handle)), int(memory.total) // mib, int(memory.used) // mib,
        driver, temperature, utilisation,
    )  # fmt: skip


def hottest_gpu(nvml: ModuleType | None = None) -> tuple[int | None, str | None]:
    """The highest GPU temperature in °C, or None and why it is unknown."""
    gpus = read_gpus(nvml)[0]
    temperatures = [g.temperature_c for g in gpus if g.temperature_c is not None]
    if temperatures:
        return max(temperatures), None
    if not gpus:
        return None, "no NVIDIA GPU can be read here (the Compute page says why)"
    return None, "NVML reports no temperature for this GPU."


def execution_providers(offered: list[str] | None = None, gpus: int | None = None) -> list[ProviderInfo]:
    """The four kinds the market knows, best first, each usable here or not with the reason.
    ``offered`` is ONNX Runtime's list (default: this install's, missing libraries removed) and
    ``gpus`` how many NVIDIA GPUs NVML sees (onnxruntime-gpu lists CUDA even without one)."""
    if offered is None:
        from app.sysinfo import onnx_providers

        offered = onnx_providers()
    if gpus is None:
        gpus = len(read_gpus()[0])
    found = set(offered)
    infos = []
    for kind in (Kind.CUDA, Kind.DIRECTML, Kind.COREML, Kind.CPU):
        name, present = KIND_NAMES[kind], ORT_PROVIDER[kind] in found
        if kind == Kind.CUDA and present and not gpus:
            why = "ONNX Runtime has CUDA, but no NVIDIA GPU is usable"
            infos.append(ProviderInfo(kind, name, False, why))
        elif present:
            infos.append(ProviderInfo(kind, name, True, _runs_on(kind)))
        else:
            infos.append(ProviderInfo(kind, name, False, _missing(kind)))
    return infos


def _runs_on(kind: Kind) -> str:
    return {
        Kind.CUDA: "NVIDIA GPUs",
        Kind.DIRECTML: "any DirectX 12 GPU",
        Kind.COREML: "the Apple Neural Engine and GPU",
        Kind.CPU: "the processor",
    }[kind]


def _missing(kind: Kind) -> str:
    return {
        Kind.CUDA: "not in this ONNX Runtime build (it needs onnxruntime-gpu and the CUDA libraries)",
        Kind.DIRECTML: "Windows only (onnxruntime-directml)",
        Kind.COREML: "macOS only",
        Kind.CPU: "missing from ONNX Runtime",
    }[kind]


def best_provider(infos: list[ProviderInfo]) -> ProviderInfo:
    """The provider the benchmark measures: the first usable one (CPU always is)."""
    return next(info for info in infos if info.available)


def _score_key(provider: str, model: bytes) -> str:
    import onnxruntime

    return f"{provider}|{onnxruntime.__version__}|{hashlib.sha256(model).hexdigest()[:16]}"


def cached_score(cache: Path, provider: str) -> Score | None:
    """The score measured before with the same provider, runtime and model; None if there is none."""
    try:
        raw = safe_json.loads(cache.read_text(encoding="utf-8"))
        score = Score(
            str(raw["provider"]), float(raw["per_second"]), float(raw["measured_at"]), str(raw["key"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    model = (resources_dir() / BENCH_MODEL).read_bytes()
    return score if score.key == _score_key(provider, model) else None


def benchmark(cache: Path, provider: str, *, seconds: float = BENCH_SECONDS, force: bool = False) -> Score:
    """Classify batches of digit images on ``provider`` for about ``seconds`` and cache the rate.
    Blocking (run it in a thread); the model is the one the app ships, never a job's."""
    if not force and (score := cached_score(cache, provider)) is not None:
        return score
    import numpy as np
    import onnxruntime

    model = (resources_dir() / BENCH_MODEL).read_bytes()
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(model, options, providers=[provider])
    name = session.get_inputs()[0].name
    batch = np.random.default_rng(0).random((BENCH_BATCH, 1, 8, 8), dtype=np.float32) * 16
    session.run(None, {name: batch})  # warm-up: the first run allocates
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        session.run(None, {name: batch})
        done += BENCH_BATCH
    score = Score(provider, done / elapsed, time.time(), _score_key(provider, model))
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(cache, json.dumps(asdict(score)) + "\n")
    except OSError as exc:  # the score is still right; it is only measured again next time
        log.warning("could not cache the benchmark score: %s", exc)
    return score
