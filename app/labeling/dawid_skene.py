"""Dawid–Skene (1979): the true class of each item and each labeler's confusion matrix, by EM.

Majority vote trusts every labeler equally. Dawid–Skene estimates, per labeler, how often they
answer class ``l`` when the truth is ``k``, and weighs their votes by it — so a reliable minority
outvotes an unreliable majority, and a labeler who systematically swaps two classes still helps.

Everything is vectorised over a (items × labelers) answer matrix, so 10,000 items × 20 labelers
take a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from app.labeling.quality import Consensus
from app.labeling.schema import Annotation

SMOOTHING = 0.01  # pseudo-counts: no labeler is ever "never wrong", which would make logs infinite


def _tensor(
    answers: Mapping[str, Mapping[str, Annotation]], classes: list[str]
) -> tuple[list[str], np.ndarray]:
    """One-hot answers ``T[item, labeler, class]`` (labels outside ``classes`` are ignored)."""
    items = sorted(answers)
    labelers = sorted({name for by in answers.values() for name in by})
    index_of = {c: k for k, c in enumerate(classes)}
    column = {name: j for j, name in enumerate(labelers)}
    t = np.zeros((len(items), len(labelers), len(classes)))
    for i, item_id in enumerate(items):
        for name, answer in answers[item_id].items():
            k = index_of.get(answer.label or "")
            if k is not None:
                t[i, column[name], k] = 1.0
    return items, t


def dawid_skene(
    answers: Mapping[str, Mapping[str, Annotation]],
    *,
    classes: list[str],
    iterations: int = 50,
    tolerance: float = 1e-6,
) -> dict[str, Consensus]:
    """The most probable class per item, with its posterior as the confidence."""
    items, t = _tensor(answers, classes)
    if not items or not classes:
        return {}
    votes = t.sum(axis=(1, 2))
    posterior = t.sum(axis=1) + 1e-9  # start from the majority vote
    posterior /= posterior.sum(axis=1, keepdims=True)
    for _ in range(iterations):
        # M-step: class priors and each labeler's confusion matrix pi[j, true, given].
        prior = posterior.mean(axis=0) + 1e-12
        counts = np.einsum("ik,ijl->jkl", posterior, t) + SMOOTHING
        pi = counts / counts.sum(axis=2, keepdims=True)
        # E-step: log posterior of each true class given every answer.
        log_post = np.log(prior)[None, :] + np.einsum("ijl,jkl->ik", t, np.log(pi))
        log_post -= log_post.max(axis=1, keepdims=True)
        updated = np.exp(log_post)
        updated /= updated.sum(axis=1, keepdims=True)
        change = float(np.abs(updated - posterior).max())
        posterior = updated
        if change < tolerance:
            break
    best = posterior.argmax(axis=1)
    return {
        item_id: Consensus(
            item_id,
            Annotation(item_id=item_id, label=classes[int(best[i])]),
            float(posterior[i, best[i]]),
            int(votes[i]),
        )
        for i, item_id in enumerate(items)
        if votes[i] > 0
    }


def labeler_accuracy(
    answers: Mapping[str, Mapping[str, Annotation]], consensus: Mapping[str, Consensus]
) -> dict[str, float]:
    """Each labeler's agreement with the consensus over the items they answered."""
    hits: dict[str, list[int]] = {}
    for item_id, by in answers.items():
        truth = consensus.get(item_id)
        if truth is None:
            continue
        for name, answer in by.items():
            if not answer.empty:
                hits.setdefault(name, []).append(int(answer.label == truth.answer.label))
    return {name: sum(h) / len(h) for name, h in hits.items()}
