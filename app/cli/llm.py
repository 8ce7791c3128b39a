"""``sahara serve-llm``: the offline chat model as an OpenAI-compatible API, until Ctrl+C or SIGTERM.

Point the studio's LLM chat node (or any OpenAI client) at the base URL it prints, e.g.
``http://127.0.0.1:8011/v1``; any model name is answered by the one model served. It binds loopback
only, unless ``--host`` names another address (then it warns: anyone who reaches that address may
use it). An API key is optional and read from the ``SAHARA_LLM_API_KEY`` environment variable,
never from the command line (``ps`` and shell history would show it). Exit codes: 0 stopped on
request, 1 could not start.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

API_KEY_ENV = "SAHARA_LLM_API_KEY"


def add_llm_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve-llm",
        help="serve the offline chat model as an OpenAI-compatible API on loopback",
        description=__doc__.split("\n\n")[1].replace("``", "'"),
    )
    parser.add_argument(
        "--port", type=int, default=8011, help="port to listen on (default 8011; 0: any free)"
    )
    parser.add_argument(
        "--host",
        default=None,
        help="address to bind (default 127.0.0.1); anything but loopback serves the network",
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="an ONNX char model with its .json (default: the shipped one)",
    )
    parser.set_defaults(func=_cmd_serve_llm)


def _cmd_serve_llm(args: argparse.Namespace) -> int:
    from app.llm.charlm import CharLM, ModelError
    from app.llm.server import ChatServer, is_loopback

    host = args.host or "127.0.0.1"
    if args.host is not None and not is_loopback(host):
        print(
            f"serve-llm: WARNING: serving on {host}, not loopback: anyone who can reach it may use the "
            f"model{'' if os.environ.get(API_KEY_ENV) else f' (set {API_KEY_ENV} to require a key)'}",
            file=sys.stderr,
        )
    try:
        lm = CharLM(args.model)
        server = ChatServer(lm, host, args.port, api_key=os.environ.get(API_KEY_ENV), allow_remote=True)
    except ModelError as exc:
        print(f"serve-llm: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"serve-llm: cannot listen on {host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    thread = server.start()
    print(f"serve-llm: {lm.name} at {server.base_url} (Ctrl+C stops)", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        thread.join(timeout=5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("serve-llm: stopped", flush=True)
    return 0
