"""What hardware the app can use: ONNX Runtime execution providers and NVIDIA GPUs.

Both imports are lazy and failures are data, not exceptions: a machine without a GPU or without
the NVIDIA driver is normal and must be described, not crash the doctor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Providers that live in a library of their own beside onnxruntime's extension (capi/). The Linux
# installers ship the CUDA and TensorRT ones as an optional GPU pack (packaging/linux), and
# onnxruntime-gpu lists them whether or not the library is there.
PROVIDER_LIBRARIES = {
    "CUDAExecutionProvider": "onnxruntime_providers_cuda",
    "TensorrtExecutionProvider": "onnxruntime_providers_tensorrt",
}


@dataclass(frozen=True)
class Gpu:
    index: int
    name: str
    memory_mb: int


def onnx_providers() -> list[str]:
    """Execution providers this ONNX Runtime build offers, best first (CPU is always last)."""
    import onnxruntime

    capi = Path(onnxruntime.__file__).parent / "capi"
    return installed_providers(onnxruntime.get_available_providers(), capi)


def installed_providers(offered: list[str], capi: Path) -> list[str]:
    """``offered`` without the providers whose library is missing from ``capi``: asking ONNX Runtime
    for one only logs an error before it falls back, and the doctor would claim a GPU it cannot use."""
    names = {path.name for path in capi.iterdir()} if capi.is_dir() else set()
    usable = []
    for provider in offered:
        library = PROVIDER_LIBRARIES.get(provider)
        if library is None or any(library in name for name in names):
            usable.append(provider)
    return usable


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
