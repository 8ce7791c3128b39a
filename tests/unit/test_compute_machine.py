"""This computer: GPUs through NVML (a fake NVML module here), ONNX Runtime's providers, the benchmark."""

from __future__ import annotations

import json
import types
from pathlib import Path

import onnxruntime

from app.compute import machine
from app.compute.jobs import Kind


class NVMLError(Exception):
    pass


def fake_nvml(*, gpus: int = 1, init_fails: bool = False, no_temperature: bool = False) -> types.ModuleType:
    """A stand-in for ``pynvml`` with ``gpus`` RTX 4090s (24 GiB, 3 GiB used, 61 °C, 37 % busy)."""
    nvml = types.ModuleType("pynvml")
    nvml.NVMLError = NVMLError
    nvml.NVML_TEMPERATURE_GPU = 0
    nvml.shutdowns = 0

    def init() -> None:
        if init_fails:
            raise NVMLError("NVML Shared Library Not Found")

    def temperature(handle: int, sensor: int) -> int:
        if no_temperature:
            raise NVMLError("Not Supported")
        return 61 + handle

    def shutdown() -> None:
        nvml.shutdowns += 1

    nvml.nvmlInit = init
    nvml.nvmlShutdown = shutdown
    nvml.nvmlSystemGetDriverVersion = lambda: b"550.54.14"
    nvml.nvmlDeviceGetCount = lambda: gpus
    nvml.nvmlDeviceGetHandleByIndex = lambda index: index
    nvml.nvmlDeviceGetName = lambda handle: "NVIDIA GeForce RTX 4090"
    nvml.nvmlDeviceGetMemoryInfo = lambda handle: types.SimpleNamespace(total=24 * 2**30, used=3 * 2**30)
    nvml.nvmlDeviceGetTemperature = temperature
    nvml.nvmlDeviceGetUtilizationRates = lambda handle: types.SimpleNamespace(gpu=37, memory=5)
    return nvml


def test_gpus_are_read_with_vram_driver_temperature_and_load() -> None:
    nvml = fake_nvml(gpus=2)
    gpus, problem = machine.read_gpus(nvml)
    assert problem is None and nvml.shutdowns == 1
    assert gpus[0] == machine.GpuReading(0, "NVIDIA GeForce RTX 4090", 24576, 3072, "550.54.14", 61, 37)
    assert machine.hottest_gpu(fake_nvml(gpus=2)) == (62, None)


def test_no_driver_says_so_in_words() -> None:
    gpus, problem = machine.read_gpus(fake_nvml(init_fails=True))
    assert gpus == [] and problem and "No NVIDIA driver" in problem
    temperature, why = machine.hottest_gpu(fake_nvml(init_fails=True))
    assert temperature is None and why and why.startswith("no NVIDIA GPU can be read here")


def test_a_driver_without_a_gpu_and_a_gpu_without_a_sensor() -> None:
    assert machine.read_gpus(fake_nvml(gpus=0)) == ([], "The NVIDIA driver is installed but sees no GPU.")
    gpus, _ = machine.read_gpus(fake_nvml(no_temperature=True))
    assert gpus[0].temperature_c is None
    temperature, why = machine.hottest_gpu(fake_nvml(no_temperature=True))
    assert temperature is None and why and "no temperature" in why


def test_this_computer_without_nvidia_is_described_not_an_error() -> None:
    gpus, problem = machine.read_gpus()
    assert gpus or problem  # either real GPUs or a sentence: never an exception


def test_providers_best_first_each_with_a_reason() -> None:
    offered = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    infos = machine.execution_providers(offered, gpus=0)
    assert [i.name for i in infos] == ["CUDA", "DirectML", "CoreML", "CPU"]
    cuda, dml, coreml, cpu = infos
    assert not cuda.available and "no NVIDIA GPU" in cuda.note  # onnxruntime-gpu lists it anyway
    assert not dml.available and "Windows" in dml.note and not coreml.available
    assert cpu.available and machine.best_provider(infos) is cpu
    with_gpu = machine.execution_providers(offered, gpus=1)
    assert with_gpu[0].available and machine.best_provider(with_gpu).kind == Kind.CUDA


def test_benchmark_measures_once_then_reads_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "benchmark.json"
    score = machine.benchmark(cache, "CPUExecutionProvider", seconds=0.2)
    assert score.per_second > 0 and score.provider == "CPUExecutionProvider"
    assert machine.cached_score(cache, "CPUExecutionProvider") == score
    again = machine.benchmark(cache, "CPUExecutionProvider", seconds=0.2)
    assert again == score, "a cached score is not measured again"
    assert machine.benchmark(cache, "CPUExecutionProvider", seconds=0.1, force=True) != score


def test_a_cached_score_of_another_runtime_or_a_broken_file_is_measured_again(tmp_path: Path) -> None:
    cache = tmp_path / "benchmark.json"
    score = machine.benchmark(cache, "CPUExecutionProvider", seconds=0.1)
    raw = json.loads(cache.read_text())
    raw["key"] = raw["key"].replace(onnxruntime.__version__, "0.0.1")
    cache.write_text(json.dumps(raw))
    assert machine.cached_score(cache, "CPUExecutionProvider") is None
    cache.write_text('{"provider": ' * 5000)  # hostile nesting
    assert machine.cached_score(cache, "CPUExecutionProvider") is None
    cache.write_text('{"provider": "CPUExecutionProvider", "per_second": "fast"}')
    assert machine.cached_score(cache, "CPUExecutionProvider") is None
    assert machine.benchmark(cache, "CPUExecutionProvider", seconds=0.1).measured_at > score.measured_at
