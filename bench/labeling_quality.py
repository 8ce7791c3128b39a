"""Aggregation quality and speed: Dawid–Skene against majority vote on simulated labelers.

    .venv/bin/python bench/labeling_quality.py

Prints, for labelers of known accuracy (each wrong answer a uniformly random wrong class):

- ``accuracy_majority`` / ``accuracy_dawid_skene``: share of items whose consensus is the true
  class; 2,000 items, 5 classes, 7 labelers of accuracy 0.9 … 0.35, 3–5 random labelers per item,
  averaged over 5 seeds.
- ``labeler_accuracy_error``: largest gap between a labeler's true and DS-estimated accuracy.
- ``dawid_skene_s`` / ``aggregate_s``: 10,000 items × 20 labelers (200,000 answers, 10 classes),
  best of 3 (goal for Dawid–Skene: well under a second).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from app.labeling import dawid_skene as ds
from app.labeling.quality import aggregate, dawid_skene, majority_vote
from app.labeling.schema import Annotation, TaskType

CLS = TaskType.IMAGE_CLASSIFICATION
ACCURACY = np.array([0.9, 0.85, 0.6, 0.55, 0.5, 0.4, 0.35])


def simulate(
    items: int, accuracy: np.ndarray, classes: int, per_item: tuple[int, int], seed: int
) -> tuple[np.ndarray, dict[str, dict[str, Annotation]], list[str]]:
    rng = np.random.default_rng(seed)
    names = [str(k) for k in range(classes)]
    truth = rng.integers(classes, size=items)
    answers: dict[str, dict[str, Annotation]] = {}
    for n, true in enumerate(truth):
        who = rng.choice(len(accuracy), size=int(rng.integers(per_item[0], per_item[1] + 1)), replace=False)
        right = rng.random(len(who)) < accuracy[who]
        given = np.where(right, true, (true + rng.integers(1, classes, len(who))) % classes)
        answers[f"i{n}"] = {
            f"L{j:02d}": Annotation(item_id=f"i{n}", label=names[k]) for j, k in zip(who, given, strict=True)
        }
    return truth, answers, names


def hit_rate(truth: np.ndarray, names: list[str], consensus: dict) -> float:
    return float(np.mean([consensus[f"i{n}"].answer.label == names[t] for n, t in enumerate(truth)]))


def main() -> None:
    majority, learned, error = [], [], []
    for seed in range(5):
        truth, answers, names = simulate(2000, ACCURACY, 5, (3, 5), seed)
        majority.append(hit_rate(truth, names, majority_vote(CLS, answers)))
        learned.append(hit_rate(truth, names, dawid_skene(CLS, answers, classes=names)))
        estimate = ds.fit(answers, names).labeler_accuracy()
        error.append(max(abs(estimate[f"L{j:02d}"] - a) for j, a in enumerate(ACCURACY)))
    print(f"accuracy_majority: {statistics.mean(majority):.4f}")
    print(f"accuracy_dawid_skene: {statistics.mean(learned):.4f}")
    print(f"labeler_accuracy_error: {max(error):.3f}")
    _, answers, names = simulate(10_000, np.linspace(0.35, 0.9, 20), 10, (20, 20), 0)
    for name, run in (
        ("dawid_skene_s", lambda: dawid_skene(CLS, answers, classes=names)),
        ("aggregate_s", lambda: aggregate(CLS, answers, names)),
        ("majority_vote_s", lambda: majority_vote(CLS, answers)),
    ):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        print(f"{name}: {min(times):.3f}")


if __name__ == "__main__":
    main()
