"""The offline chat model: a small character-level language model the project trains itself
(``scripts/train_charlm.py``), run with ONNX Runtime, served as an OpenAI-compatible chat API on
loopback by ``sahara serve-llm``. No torch here: the frozen app runs it with onnxruntime and numpy.
"""
