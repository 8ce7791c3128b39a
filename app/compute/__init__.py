"""GPU rental on the ComputeMarket: declarative jobs, the sandbox they run in, both sides' logic.

- ``jobs``: jobs as the chain describes them, each spec checked against its on-chain hash;
- ``tensors``: the job's bytes (inputs ``.npy``, the canonical result container and its hash);
- ``onnx_check``: refuses custom operator domains and external-data weights before ORT loads a model;
- ``sandbox`` / ``runner``: one child process per job with CPU, memory and wall-time limits, a
  scratch folder and an environment that names nothing of the data folder or the keystore;
- ``provider`` (+ ``ledger``): the worker loop, crash-safe through ``compute_run`` and the outbox;
- ``requester``: post a job, fetch its result decrypted and verified;
- ``hardware``: what this computer offers (provider kinds, VRAM);
- ``machine``: this computer for its owner: GPUs through NVML, ONNX Runtime's providers, a benchmark;
- ``rules`` (+ ``rules_probes``, one per OS): the owner's rules for when the worker may work;
- ``payouts`` / ``work_checks``: earnings per job and day, withdrawals; every check of a job's work.

Only ONNX batch inference exists today; training from built-in recipes is refused as "training job"
by ``jobs`` until it is built. Nothing here imports Qt; the window and ``sahara worker`` drive
``ComputeProvider`` through ``start``/``stop``/``pause``/``resume`` and its ``changed`` event.
"""
