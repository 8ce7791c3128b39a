"""What this computer can offer as a provider: kinds (the contract's bits) and VRAM."""

from __future__ import annotations

from app.compute.jobs import ORT_PROVIDER, Kind
from app.sysinfo import nvidia_gpus, onnx_providers


def offered_kinds() -> tuple[int, int]:
    """``(kinds, vram_mib)``: the CPU always; CUDA when ORT has it and NVML sees a GPU (onnxruntime-gpu
    lists CUDA even without one), DirectML and CoreML when ORT has them. VRAM is the largest GPU's."""
    available = set(onnx_providers())
    gpus, _why = nvidia_gpus()
    kinds = Kind.CPU
    for kind in (Kind.DIRECTML, Kind.COREML):
        if ORT_PROVIDER[kind] in available:
            kinds |= kind
    if ORT_PROVIDER[Kind.CUDA] in available and gpus:
        kinds |= Kind.CUDA
    return int(kinds), max((g.memory_mb for g in gpus), default=0)
