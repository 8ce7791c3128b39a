"""A typed query is embedded on one BLAS thread (waking BLAS's threads cost more than the math),
with the same vector, and BLAS's own setting is put back for the batches of cards that use it."""

from __future__ import annotations

import threading

import numpy as np
from threadpoolctl import ThreadpoolController

from app.embeddings import minilm


def blas_threads() -> list[int]:
    return [entry["num_threads"] for entry in ThreadpoolController().info() if entry["user_api"] == "blas"]


def test_a_short_query_runs_on_one_thread_with_the_same_vector() -> None:
    model = minilm.shared_model()
    before = blas_threads()
    seen: list[list[int]] = []
    real = model._forward

    def watching(encoded: list[list[int]]) -> np.ndarray:
        seen.append(blas_threads())
        return real(encoded)

    model._forward = watching  # type: ignore[method-assign]
    try:
        short = model.embed(["handwritten numbers"])
        batch = model.embed(["handwritten numbers", *["a card about birds and their songs " * 8] * 4])
    finally:
        del model._forward
    assert seen[0] == [1] * len(before) and seen[1] == before  # one thread for the query alone
    assert blas_threads() == before  # put back
    np.testing.assert_allclose(short[0], batch[0], atol=1e-5)  # the same vector either way


def test_queries_from_several_threads_leave_blas_as_it_was() -> None:
    model = minilm.shared_model()
    before = blas_threads()
    workers = [threading.Thread(target=model.embed, args=([f"query {i}"],)) for i in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert blas_threads() == before
