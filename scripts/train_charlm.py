"""Train the offline chat model: a character-level GRU language model on Python's reference docs.

    .venv/bin/python scripts/train_charlm.py            # writes resources/models/charlm.{onnx,json}
    .venv/bin/python scripts/train_charlm.py --check    # retrains in a temp folder, compares SHA-256

Needs the ``train`` extra (torch, onnx); the app runs the result with onnxruntime and numpy only.
Reproducible: fixed seeds, deterministic algorithms, one thread, a fixed number of steps, and an ONNX
graph written node by node (no exporter whose output changes between torch releases). The same
Python (its pydoc topics are the corpus), torch and CPU kind give the same bytes.

The exported graph reads ``ids`` int64 [batch, length] (the last ``context_length`` characters, or
fewer) from a zero state and returns ``logits`` float32 [batch, vocab] for the next character.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.llm.corpus import VOCAB, load_corpus  # noqa: E402

OUT = ROOT / "resources" / "models"
NAME = "charlm"
SEED = 1234
CONTEXT = 64
EMBED = 48
HIDDEN = 256
BATCH = 64
STEPS = 900
LR = 3e-3
EVAL_STRIDE = 4  # held-out positions scored: every 4th (about 9,000)


class CharGRU(nn.Module):
    def __init__(self, vocab: int, embed: int, hidden: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.gru = nn.GRU(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.gru(self.embed(ids))[0])


def deterministic(seed: int) -> None:
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.use_deterministic_algorithms(True)


def encode(text: str) -> torch.Tensor:
    index = {c: i for i, c in enumerate(VOCAB)}
    return torch.tensor([index[c] for c in text], dtype=torch.long)


def learning_rate(step: int, steps: int) -> float:
    warmup = 50
    if step < warmup:
        return LR * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return LR * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train(data: torch.Tensor, steps: int, seed: int, log: bool = True) -> CharGRU:
    deterministic(seed)
    model = CharGRU(len(VOCAB), EMBED, HIDDEN)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    batches = torch.Generator().manual_seed(seed + 1)
    offsets = torch.arange(CONTEXT + 1)
    started = time.perf_counter()
    for step in range(steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, steps)
        starts = torch.randint(0, len(data) - CONTEXT - 1, (BATCH, 1), generator=batches)
        window = data[starts + offsets]
        logits = model(window[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(VOCAB)), window[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if log and (step % 100 == 0 or step == steps - 1):
            elapsed = time.perf_counter() - started
            print(f"step {step:5d}  loss {loss.item() / math.log(2):.3f} bits/char  {elapsed:6.1f} s")
    return model


@torch.no_grad()
def held_out_bits(model: CharGRU, data: torch.Tensor) -> float:
    """Bits per character on held-out text, each character predicted as at inference: from a zero
    state over the ``CONTEXT`` characters before it (fewer at the start)."""
    total, count = 0.0, 0
    positions = list(range(1, len(data), EVAL_STRIDE))
    for first in range(0, len(positions), 512):
        chunk = [p for p in positions[first : first + 512] if p >= CONTEXT]
        if chunk:
            windows = torch.stack([data[p - CONTEXT : p] for p in chunk])
            logits = model(windows)[:, -1]
            total += nn.functional.cross_entropy(logits, data[chunk], reduction="sum").item()
            count += len(chunk)
    return total / count / math.log(2)


def to_onnx(model: CharGRU) -> bytes:
    """The model as an ONNX graph: Gather -> GRU -> last state -> Gemm. torch orders a GRU's gates
    (reset, update, new); ONNX orders them (update, reset, new); linear_before_reset=1 is torch's form."""
    state = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}

    def gates(w: np.ndarray) -> np.ndarray:
        r, z, n = np.split(w, 3, axis=0)
        return np.concatenate([z, r, n], axis=0)

    weights = {
        "embedding": state["embed.weight"],
        "W": gates(state["gru.weight_ih_l0"])[None],
        "R": gates(state["gru.weight_hh_l0"])[None],
        "B": np.concatenate([gates(state["gru.bias_ih_l0"]), gates(state["gru.bias_hh_l0"])])[None],
        "head_weight": state["head.weight"],
        "head_bias": state["head.bias"],
        "squeeze_axes": np.array([0], dtype=np.int64),
    }
    nodes = [
        helper.make_node("Gather", ["embedding", "ids"], ["embedded"]),
        helper.make_node("Transpose", ["embedded"], ["time_major"], perm=[1, 0, 2]),
        helper.make_node(
            "GRU",
            ["time_major", "W", "R", "B"],
            ["", "last_state"],
            hidden_size=HIDDEN,
            linear_before_reset=1,
        ),
        helper.make_node("Squeeze", ["last_state", "squeeze_axes"], ["hidden"]),
        helper.make_node("Gemm", ["hidden", "head_weight", "head_bias"], ["logits"], transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        NAME,
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "length"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(VOCAB)])],
        [numpy_helper.from_array(np.ascontiguousarray(v), name) for name, v in weights.items()],
    )
    onnx_model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17)],
        producer_name="sahara scripts/train_charlm.py",
        ir_version=8,  # readable by every onnxruntime the app allows (>= 1.20)
    )
    onnx.checker.check_model(onnx_model)
    return onnx_model.SerializeToString()


def check_parity(model: CharGRU, blob: bytes, data: torch.Tensor) -> float:
    """The largest difference between torch's and ONNX Runtime's next-character logits."""
    import onnxruntime as ort

    session = ort.InferenceSession(blob, providers=["CPUExecutionProvider"])
    windows = torch.stack([data[i : i + CONTEXT] for i in range(0, 20 * CONTEXT, CONTEXT)])
    with torch.no_grad():
        expected = model(windows)[:, -1].numpy()
    got = session.run(["logits"], {"ids": windows.numpy()})[0]
    return float(np.abs(expected - got).max())


def build(out: Path, steps: int, seed: int) -> dict:
    corpus = load_corpus()
    train_data, held_data = encode(corpus.train), encode(corpus.held_out)
    started = time.perf_counter()
    model = train(train_data, steps, seed)
    seconds = time.perf_counter() - started
    bits = held_out_bits(model, held_data)
    blob = to_onnx(model)
    parity = check_parity(model, blob, held_data)
    if parity > 1e-3:
        raise SystemExit(f"ONNX Runtime disagrees with torch by {parity:.2e}; not writing the model")
    meta = {
        "name": "sahara-charlm",
        "architecture": f"char GRU: embedding {EMBED}, 1 layer x {HIDDEN}, linear head",
        "vocab": VOCAB,
        "context_length": CONTEXT,
        "input": "ids int64 [batch, length <= context_length]",
        "output": "logits float32 [batch, vocab] for the next character",
        "corpus": corpus.describe(),
        "training": {
            "seed": seed,
            "steps": steps,
            "batch": BATCH,
            "learning_rate": LR,
            "optimizer": "Adam, 50 warm-up steps, cosine to 10%, gradient norm clipped at 1",
            "torch": torch.__version__,
            "threads": 1,
        },
        "held_out_bits_per_char": round(bits, 4),
        "chance_bits_per_char": round(math.log2(len(VOCAB)), 4),
        "onnx_bytes": len(blob),
        "sha256": hashlib.sha256(blob).hexdigest(),
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{NAME}.onnx").write_bytes(blob)
    (out / f"{NAME}.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(
        f"{NAME}: {len(blob) / 1024:.0f} KiB, held-out {bits:.3f} bits/char "
        f"(chance {math.log2(len(VOCAB)):.3f}), trained in {seconds:.0f} s, onnx parity {parity:.1e}"
    )
    print(f"sha256 {meta['sha256']}")
    return meta


def check(shipped: Path, steps: int, seed: int) -> int:
    """Retrain in a temp folder and compare with the shipped model; 0 when the bytes are the same."""
    recorded = json.loads((shipped / f"{NAME}.json").read_text(encoding="utf-8"))
    actual = hashlib.sha256((shipped / f"{NAME}.onnx").read_bytes()).hexdigest()
    if actual != recorded["sha256"]:
        print(f"check: {shipped / NAME}.onnx does not match the SHA-256 in {NAME}.json")
        return 1
    corpus = load_corpus()
    if corpus.sha256 != recorded["corpus"]["sha256"]:
        print(
            f"check: this Python's pydoc topics differ from the corpus the model was trained on "
            f"({recorded['corpus']['source']}); the result cannot match"
        )
        return 1
    with tempfile.TemporaryDirectory() as folder:
        again = build(Path(folder), steps, seed)
    if again["sha256"] != recorded["sha256"]:
        print(f"check: FAILED, retrained {again['sha256']} != shipped {recorded['sha256']}")
        return 1
    print("check: ok, retraining gives the same bytes")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for charlm.onnx and charlm.json")
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--check", action="store_true", help="retrain and compare with --out's model")
    args = parser.parse_args()
    if args.check:
        return check(args.out, args.steps, args.seed)
    build(args.out, args.steps, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
