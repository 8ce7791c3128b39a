"""GPU rental on the ComputeMarket: declarative jobs, the sandbox they run in, both sides' logic.

- ``jobs``: jobs as the chain describes them, each spec checked against its on-chain hash;
- ``tensors``: the job's bytes (inputs ``.npy``, the canonical result container and its hash);
- ``training`` / ``dataset`` / ``trainer``: training jobs from built-in recipes (the image classifier
  over a labeling export's zip), trained with torch in the sandbox where torch imports, exported to
  ONNX and delivered with metrics that anyone holding the dataset can re-measure;
- ``onnx_check``: refuses custom operator domains and external-data weights before ORT loads a model;
- ``sandbox`` / ``runner``: one child process per job with CPU, memory, VRAM and wall-time limits,
  a scratch folder, no network, and an environment that names nothing of the data folder or keystore;
- ``provider`` (+ ``ledger``): the worker loop, crash-safe through ``compute_run`` and the outbox;
- ``requester``: post a job, fetch its result decrypted and verified, challenge it;
- ``sealed_inputs`` / ``sealed_runs``: inputs encrypted to the requester, opened by the workers it
  delivered their key to (docs/compute.md); the requester's delivery loop is ``app.workers.input_keys``;
- ``arbiter``: the check behind a ruling on a challenged job (a sandboxed re-run, or the model's claims);
- ``hardware``: what this computer offers (provider kinds, VRAM);
- ``machine``: this computer for its owner: GPUs through NVML, ONNX Runtime's providers, a benchmark;
- ``rules`` (+ ``rules_probes``, one per OS): the owner's rules for when the worker may work;
- ``payouts`` / ``work_checks``: earnings per job and day, withdrawals; every check of a job's work.

Nothing here imports Qt (nor torch, outside the sandbox child); the window and ``sahara worker`` drive
``ComputeProvider`` through ``start``/``stop``/``pause``/``resume`` and its ``changed`` event.
"""
