"""Sentence embeddings with the packaged MiniLM model, for every layer that ranks text by meaning.

It sits on the base floor (it needs only NumPy and ``safe_json``) so that the market's semantic
search and the studio's Retriever node share one model and one loaded copy of it
(``minilm.shared_model``) without either importing the other.
"""
