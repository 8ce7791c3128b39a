"""The image classifier recipe, trained with torch inside the sandbox child and exported to ONNX.

Only sandbox.py imports this (torch is optional; the worker offers training only where it imports).
Reproducible: the seed drives the weights and the batch order (a seeded ``torch.Generator``),
``torch.use_deterministic_algorithms(True)``, one CPU thread (a thread count changes the order of
float sums), cuDNN's autotuner off, and on x86-64 the CPU kernels pinned to AVX2 before torch is
imported (as scripts/train_digits.py does), so AVX-512 machines compute what AVX2 ones do. The
same torch version on CPUs then trains the same bytes; see training.py for why training jobs still
use the challenge path rather than two replicas (CUDA, other torch versions).

The VRAM cap: on CUDA the process may use at most ``vram_mib`` of the device
(``torch.cuda.set_per_process_memory_fraction``); going over raises an out-of-memory error, which
the child reports as a memory limit.
"""

from __future__ import annotations

import io
import os
import platform
from typing import Any

from app.compute.dataset import Dataset, holdout_accuracy
from app.compute.training import Recipe


def _device(provider: str, vram_mib: int) -> Any:
    import torch

    if provider != "CUDAExecutionProvider" or not torch.cuda.is_available():
        return torch.device("cpu")
    device = torch.device("cuda", 0)
    if vram_mib > 0:
        total = torch.cuda.get_device_properties(device).total_memory
        torch.cuda.set_per_process_memory_fraction(min(1.0, vram_mib * 1024 * 1024 / total), device)
    return device


def _network(channels: int, size: int, classes: int) -> Any:
    """Two convolutions, each halving the image, then one linear layer over what is left."""
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(channels, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * (size // 4) ** 2, classes),
    )


def train(
    recipe: Recipe, dataset: Dataset, dataset_cid: str, provider: str, vram_mib: int
) -> tuple[bytes, dict[str, Any]]:
    """``(onnx bytes, metrics)``: the recipe trained on the dataset's training split."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS
    if platform.machine().lower() in ("x86_64", "amd64"):
        os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
        os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")
    import torch

    torch.manual_seed(recipe.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.backends.cudnn.benchmark = False
    device = _device(provider, vram_mib)
    train_mask, holdout = dataset.split()
    images = torch.from_numpy(dataset.images[train_mask]).to(device)
    labels = torch.from_numpy(dataset.labels[train_mask]).to(device)
    network = _network(recipe.channels, recipe.image_size, len(dataset.classes)).to(device)
    optimizer = torch.optim.Adam(network.parameters(), lr=recipe.learning_rate)
    order = torch.Generator().manual_seed(recipe.seed)
    loss_fn = torch.nn.CrossEntropyLoss()
    loss = torch.zeros(())
    for _ in range(recipe.epochs):
        network.train()
        for batch in torch.randperm(len(labels), generator=order).split(recipe.batch_size):
            batch = batch.to(device)
            optimizer.zero_grad()
            loss = loss_fn(network(images[batch]), labels[batch])
            loss.backward()
            optimizer.step()
    network.eval().cpu()
    buffer = io.BytesIO()
    example = torch.zeros(1, recipe.channels, recipe.image_size, recipe.image_size)
    torch.onnx.export(
        network, (example,), buffer, input_names=["images"], output_names=["logits"],
        dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17, dynamo=False,
    )  # fmt: skip
    model = buffer.getvalue()
    metrics = {
        "recipe": {"recipe": recipe.recipe, **{k: v for k, v in vars(recipe).items() if k != "recipe"}},
        "classes": dataset.classes,
        "input": {"name": "images", "shape": [recipe.channels, recipe.image_size, recipe.image_size],
                  "scale": "pixel / 255", "order": "NCHW"},
        "dataset_cid": dataset_cid,
        "train_items": int(train_mask.sum()),
        "holdout_items": int(holdout.sum()),
        "holdout_accuracy": holdout_accuracy(model, dataset),
        "final_loss": round(float(loss.detach().cpu()), 6),
        "device": device.type,
        "torch": torch.__version__,
    }  # fmt: skip
    return model, metrics
