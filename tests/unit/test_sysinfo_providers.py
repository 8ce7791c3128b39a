"""ONNX Runtime providers whose library is not installed (the Linux GPU pack left out) are not offered."""

from __future__ import annotations

from pathlib import Path

from app.sysinfo import installed_providers, onnx_providers

OFFERED = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]


def test_gpu_pack_missing_hides_cuda_and_tensorrt(tmp_path: Path) -> None:
    (tmp_path / "onnxruntime_pybind11_state.so").write_bytes(b"")
    assert installed_providers(OFFERED, tmp_path) == ["CPUExecutionProvider"]


def test_gpu_pack_present_keeps_them(tmp_path: Path) -> None:
    for name in ("libonnxruntime_providers_cuda.so", "libonnxruntime_providers_tensorrt.so"):
        (tmp_path / name).write_bytes(b"")
    assert installed_providers(OFFERED, tmp_path) == OFFERED


def test_windows_library_names_count(tmp_path: Path) -> None:
    (tmp_path / "onnxruntime_providers_cuda.dll").write_bytes(b"")
    assert installed_providers(OFFERED, tmp_path) == ["CUDAExecutionProvider", "CPUExecutionProvider"]


def test_providers_without_a_library_of_their_own_are_kept(tmp_path: Path) -> None:
    offered = ["DmlExecutionProvider", "CoreMLExecutionProvider", "CPUExecutionProvider"]
    assert installed_providers(offered, tmp_path / "missing") == offered


def test_this_onnxruntime_always_offers_the_cpu() -> None:
    assert onnx_providers()[-1] == "CPUExecutionProvider"
