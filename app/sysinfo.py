"""What hardware the app can use: ONNX Runtime execution providers and NVIDIA GPUs.

Both imports are lazy and failures are data, not exceptions: a machine without a GPU or without
the NVIDIA driver is normal and must be described, not crash the doctor.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Gpu:
    index: int
    name: str
    memory_mb: int


def onnx_providers() -> list[str]:
    """Execution providers this ONNX Runtime build offers, best first (CPU is always last)."""
    import onnxruntime

    return list(onnxruntime.get_available_providers())


def nvidia_gpus() -> tuple[list[Gpu], str | None]:
    """GPUs NVML sees, and why none were seen (no driver, no library) when the list is empty."""
    try:
        import pynvml
    except ImportError:
        return [], "nvidia-ml-py is not installed"
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return [], f"no NVIDIA driver ({exc})"
    try:
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = pynvml.nvmlDeviceGetName(handle)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle).total // (1024 * 1024)
            gpus.append(Gpu(index, name.decode() if isinstance(name, bytes) else str(name), int(memory)))
        return gpus, None
    finally:
        pynvml.nvmlShutdown()
