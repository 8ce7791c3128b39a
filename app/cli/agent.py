"""``sahara agent ...``: run and check agent graphs without the GUI, and manage their secrets.

``run`` prints the outputs as JSON on stdout (for scripts) and exits 1 on any error, with the
reason on stderr; the graph file is only ever read. Secret values are read from stdin or a prompt,
never from the command line (shell history and ``ps`` would show them).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from app import safe_json
from app.paths import AppPaths


class CliError(Exception):
    """A problem the user can fix; printed without a traceback, exit code 1."""


def _inputs(args: argparse.Namespace) -> dict[str, Any]:
    text = args.input
    if args.input_file:
        try:
            text = Path(args.input_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot read the input file: {exc}") from None
    if not text:
        return {}
    try:
        value = safe_json.loads(text)
    except ValueError as exc:
        raise CliError(f"--input is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise CliError('--input must be a JSON object of input names to values, e.g. {"question": "hi"}')
    return value


def _load(path: str) -> Any:
    from app.studio.document import GraphFileError, load_graph

    try:
        return load_graph(Path(path))
    except GraphFileError as exc:
        raise CliError(str(exc)) from None


def _history(paths: AppPaths) -> Any:
    """The run history in the app database, or None (with a warning) if the database is unusable."""
    from app.db.engine import make_engine, session_factory
    from app.db.migrate import MigrationError, upgrade
    from app.studio.history import RunHistory

    try:
        upgrade(paths.database)
    except MigrationError as exc:
        print(f"agent: run history is off: {exc}", file=sys.stderr)
        return None
    return RunHistory(session_factory(make_engine(paths.database)))


def _print_trace(event: Any) -> None:
    from app.studio.events import NodeCached, NodeFailed, NodeFinished, NodeSkipped

    if isinstance(event, NodeFinished):
        line = f"ok       {event.duration_s * 1000:9.1f} ms  {event.node_id}"
    elif isinstance(event, NodeCached):
        line = f"cached   {'':12}  {event.node_id}"
    elif isinstance(event, NodeFailed):
        line = f"error    {event.duration_s * 1000:9.1f} ms  {event.node_id}: {event.error}"
    elif isinstance(event, NodeSkipped):
        line = f"skipped  {'':12}  {event.node_id}: {event.reason}"
    else:
        return
    print(line, file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from app.studio.executor import Executor, GraphInvalid
    from app.studio.secrets import default_store

    graph = _load(args.file)
    inputs = _inputs(args)
    history = None if args.no_history else _history(args.paths)
    executor = Executor(secrets=default_store(args.paths), history=history)

    async def go() -> Any:
        return await executor.run(graph, inputs, on_event=_print_trace if args.trace else None)

    try:
        result = asyncio.run(go())
    except GraphInvalid as exc:
        raise CliError("the graph cannot run:\n  " + "\n  ".join(str(i) for i in exc.issues)) from None
    except KeyboardInterrupt:
        print("agent: interrupted", file=sys.stderr)
        return 130
    print(json.dumps(result.outputs, indent=2, ensure_ascii=False, default=str))
    if result.status != "ok":
        print(f"agent: run failed: {result.error}", file=sys.stderr)
        return 1
    return 0


def _validate(args: argparse.Namespace) -> int:
    from app.studio.validate import validate

    issues = validate(_load(args.file))
    for issue in issues:
        print(issue)
    print(f"{len(issues)} problem(s)" if issues else "ok", file=sys.stderr)
    return 1 if issues else 0


def _secret(args: argparse.Namespace) -> int:
    from app.studio.secrets import default_store

    store = default_store(args.paths)
    if args.secret_action == "list":
        for name in store.names():
            print(name)
    elif args.secret_action == "set":
        value = getpass.getpass(f"Value of {args.name}: ") if sys.stdin.isatty() else sys.stdin.readline()
        value = value.rstrip("\r\n")
        if not value:
            raise CliError("empty value: nothing stored")
        store.set(args.name, value)
        print(f"secret {args.name} stored", file=sys.stderr)
    elif not store.delete(args.name):
        raise CliError(f"no secret named {args.name!r}")
    return 0


def run_agent(args: argparse.Namespace) -> int:
    from app.studio.secrets import SecretError

    try:
        return {"run": _run, "validate": _validate, "secret": _secret}[args.action](args)
    except (CliError, SecretError) as exc:
        print(f"agent: {exc}", file=sys.stderr)
        return 1


def add_agent_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    agent = sub.add_parser("agent", help="run and check agent graphs headless; manage their secrets")
    actions = agent.add_subparsers(title="actions", dest="action", metavar="ACTION", required=True)
    run = actions.add_parser("run", help="run a graph file; print its outputs as JSON")
    run.add_argument("file", metavar="FILE", help="a .sahara-agent graph file (never modified)")
    source = run.add_mutually_exclusive_group()
    source.add_argument(
        "--input", metavar="JSON", default="", help='input values, e.g. \'{"question": "hi"}\''
    )
    source.add_argument("--input-file", metavar="FILE", help="read the input JSON object from FILE")
    run.add_argument("--trace", action="store_true", help="print one line per node to stderr")
    run.add_argument("--no-history", action="store_true", help="do not store this run in the run history")
    check = actions.add_parser("validate", help="print the graph's problems; exit 1 if there are any")
    check.add_argument("file", metavar="FILE")
    secret = actions.add_parser("secret", help="API keys and tokens that graphs use by name")
    secret_actions = secret.add_subparsers(dest="secret_action", metavar="ACTION", required=True)
    secret_actions.add_parser("list", help="print the names of stored secrets")
    for name, text in (("set", "store a secret read from stdin or a prompt"), ("delete", "remove a secret")):
        secret_actions.add_parser(name, help=text).add_argument("name", metavar="NAME")
    agent.set_defaults(func=run_agent)
