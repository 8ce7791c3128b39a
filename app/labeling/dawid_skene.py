"""Dawid–Skene (1979): the true class of each item and each labeler's confusion matrix, by EM.

Majority vote trusts every labeler equally. Dawid–Skene estimates, per labeler, how often they
answer class ``l`` when the truth is ``k``, and weighs their votes by it — so a reliable minority
outvotes an unreliable majority, and a labeler who systematically swaps two classes still helps.

The answers are kept as three parallel arrays (item, labeler, class given), one entry per answer,
not as a dense items × labelers table: a public campaign has thousands of labelers who each see a
few items, and the work and memory stay proportional to the answers given. 10,000 items × 20
labelers (200,000 answers) take well under a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from app.labeling.schema import Annotation

SMOOTHING = 0.01  # pseudo-counts: no labeler is ever "never wrong", which would make logs infinite
TOLERANCE = 1e-5  # largest move of any posterior between two iterations that counts as converged


@dataclass(frozen=True)
class Estimate:
    """What EM learned. ``posterior[i, k]``: P(item i is class k); ``confusion[j, k, l]``:
    P(labeler j answers l | truth k); ``votes[i]``: answers of item i inside ``classes``."""

    items: list[str]
    labelers: list[str]
    classes: list[str]
    posterior: np.ndarray
    confusion: np.ndarray
    prior: np.ndarray
    votes: np.ndarray
    iterations: int

    def labeler_accuracy(self) -> dict[str, float]:
        """Each labeler's estimated probability of answering the true class."""
        accuracy = np.einsum("k,jkk->j", self.prior, self.confusion)
        return dict(zip(self.labelers, accuracy.tolist(), strict=True))


@dataclass(frozen=True)
class _Answers:
    """Every answer inside ``classes`` as (item, labeler, class given) indices, sorted by item, and
    the segments that sum per item (E-step) and per (labeler, class given) cell (M-step)."""

    items: list[str]
    labelers: list[str]
    row: np.ndarray
    col: np.ndarray
    given: np.ndarray
    item_start: np.ndarray  # first answer of each answered item
    by_cell: np.ndarray  # answer order sorted by cell
    cell_start: np.ndarray  # first answer (in by_cell order) of each cell that has answers
    cells: np.ndarray  # those cells, as labeler * classes + given

    @classmethod
    def of(cls, answers: Mapping[str, Mapping[str, Annotation]], classes: list[str]) -> _Answers:
        items = sorted(answers)
        per_item = [answers[i] for i in items]
        names = [name for by in per_item for name in by]
        labelers = sorted(set(names))
        labeler_of = {name: j for j, name in enumerate(labelers)}
        class_of = {c: k for k, c in enumerate(classes)}
        labels = [a.label for by in per_item for a in by.values()]
        row = np.repeat(np.arange(len(items)), [len(by) for by in per_item])
        col = np.fromiter(map(labeler_of.__getitem__, names), np.intp, len(names))
        given = np.fromiter(map(class_of.get, labels, repeat(-1)), np.intp, len(labels))
        keep = given >= 0  # empty answers and labels outside the classes say nothing here
        row, col, given = row[keep], col[keep], given[keep]
        cell = col * len(classes) + given
        by_cell = np.argsort(cell, kind="stable")
        cell_start = _starts(cell[by_cell])
        return cls(
            items, labelers, row, col, given, _starts(row), by_cell, cell_start, cell[by_cell][cell_start]
        )


def _starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Where each run of equal keys begins in a sorted array."""
    return (
        np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]) if sorted_keys.size else sorted_keys
    )


def _em_step(posterior: np.ndarray, a: _Answers) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One M-step then E-step: (new posterior, class prior, confusion matrices)."""
    n, c = posterior.shape
    m = len(a.labelers)
    # M-step: class priors and each labeler's confusion matrix from the current posteriors.
    prior = (posterior.sum(axis=0) + SMOOTHING) / (n + c * SMOOTHING)
    counts = np.zeros((m * c, c))  # [labeler * c + given, true]
    counts[a.cells] = np.add.reduceat(posterior[a.row[a.by_cell]], a.cell_start, axis=0)
    counts = counts.reshape(m, c, c).transpose(0, 2, 1) + SMOOTHING  # [labeler, true, given]
    confusion = counts / counts.sum(axis=2, keepdims=True)
    # E-step: log P(truth k) + the log-likelihood under k of every answer the item got.
    log_likelihood = np.zeros((n, c))
    log_answer = np.log(confusion)[a.col, :, a.given]  # (answers, true class)
    log_likelihood[a.row[a.item_start]] = np.add.reduceat(log_answer, a.item_start, axis=0)
    log_post = np.log(prior) + log_likelihood
    log_post -= log_post.max(axis=1, keepdims=True)
    updated = np.exp(log_post)
    return updated / updated.sum(axis=1, keepdims=True), prior, confusion


def fit(
    answers: Mapping[str, Mapping[str, Annotation]],
    classes: list[str],
    *,
    iterations: int = 50,
    tolerance: float = TOLERANCE,
) -> Estimate:
    """Run EM from the majority vote until no posterior moves by ``tolerance`` or ``iterations`` ran.

    Labels outside ``classes`` and empty answers are ignored; an item with none left gets the prior.
    """
    if not classes or iterations < 1:
        raise ValueError("Dawid–Skene needs at least one class and one iteration")
    a = _Answers.of(answers, classes)
    votes = np.bincount(a.row, minlength=len(a.items))
    # Start from the (soft) majority vote: the share of each class among the item's answers.
    posterior = np.zeros((len(a.items), len(classes)))
    np.add.at(posterior, (a.row, a.given), 1.0)
    posterior[votes == 0] = 1.0
    posterior /= posterior.sum(axis=1, keepdims=True)
    done = 0
    while True:
        updated, prior, confusion = _em_step(posterior, a)
        done += 1
        change = float(np.abs(updated - posterior).max()) if len(a.items) else 0.0
        posterior = updated
        if change < tolerance or done == iterations:
            return Estimate(a.items, a.labelers, classes, posterior, confusion, prior, votes, done)
