"""Issue 12 item 1: deeply nested JSON from any outside source is refused in words, never a SIGSEGV.

Every attack runs in a child process whose recursion limit is 100,000 (what ``py_ecc`` sets at
import), so without the depth limit of ``app.safe_json`` the C stack overflows and the child dies
of a signal, which fails the test instead of killing pytest.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from local_http import Handler, serving
from parsers_child import nested, run_child, survived

from app.studio.graph import SCHEMA_VERSION

DEEP = 200_000


def test_eth_account_raises_the_recursion_limit_and_the_app_puts_it_back() -> None:
    bare = survived(run_child("import eth_account, sys; print(sys.getrecursionlimit())", raised_limit=False))
    assert int(bare) >= 100_000  # the premise of the attack: the library still does it
    for first in ("import eth_account; import app.chain", "import app.labeling.demo"):  # either order
        code = f"{first}; import sys; print(sys.getrecursionlimit())"
        assert int(survived(run_child(code, raised_limit=False))) <= 1000, first


def test_a_deep_coco_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"images": ' + nested(DEEP) + "}")
    code = (
        "from app.cli.label_create import _import, _problem\n"
        f"result = _import({str(deep)!r}, None, None, None)\n"
        "print(len(result.items)); print(*map(_problem, result.problems), sep='\\n')"
    )
    out = survived(run_child(code))
    assert out.startswith("0\n") and f"JSON nested {DEEP + 1} levels deep: refused" in out


@pytest.mark.parametrize("fmt", ["labelstudio", "jsonl", "csv"])
def test_deep_json_in_other_import_formats_is_a_problem(tmp_path: Path, fmt: str) -> None:
    body = {
        "labelstudio": nested(DEEP),
        "jsonl": '{"text": "hi", "spans": ' + nested(DEEP) + "}\n",
        "csv": 'text,spans\nhi,"' + nested(65_000) + '"\n',  # the csv module's field limit is 131,072
    }[fmt]
    source = tmp_path / f"deep.{'json' if fmt == 'labelstudio' else fmt}"
    source.write_text(body)
    code = (
        "from app.labeling.formats import import_path\n"
        f"print(import_path(__import__('pathlib').Path({str(source)!r}), {fmt!r}).problems)"
    )
    assert "refused (the limit is 256)" in survived(run_child(code))


def test_a_deep_graph_file_is_a_message_from_agent_run(tmp_path: Path, home: Path) -> None:
    graph = tmp_path / "deep.sahara-agent"
    graph.write_text(f'{{"schema_version": {SCHEMA_VERSION}, "nodes": {nested(DEEP)}, "edges": []}}')
    proc = run_child(f"from app.cli import main; sys.exit(main(['agent', 'run', {str(graph)!r}]))")
    out = survived(proc, code=proc.returncode or 0)
    assert proc.returncode != 0 and "JSON nested" in out and "refused" in out


class DeepAnswer(Handler):
    def do_GET(self) -> None:
        self.answer(200, nested(DEEP).encode())

    do_POST = do_GET


def test_an_http_tool_node_whose_server_answers_deep_json_fails_in_words(tmp_path: Path, home: Path) -> None:
    with serving(DeepAnswer) as base:
        config = {"url": base + "/api", "allowed_networks": ["127.0.0.1/32"]}
        document = {
            "schema_version": SCHEMA_VERSION,
            "nodes": [{"id": "h", "type": "http_tool", "config": config}],
        }
        graph = tmp_path / "http.sahara-agent"
        graph.write_text(json.dumps(document | {"edges": []}))
        code = f"from app.cli import main; sys.exit(main(['agent', 'run', '--no-history', {str(graph)!r}]))"
        out = survived(run_child(code), code=1)
    assert "the answer is refused: JSON nested" in out


def test_json_rpc_answers_and_storage_answers_are_refused(tmp_path: Path) -> None:
    with serving(DeepAnswer) as base:
        code = (
            f"deep = b'[' * {DEEP} + b']' * {DEEP}\n"
            "from app.chain.jsonrpc import RpcError, rpc_call\n"
            f"try:\n    rpc_call({base!r}, 'eth_blockNumber')\nexcept RpcError as exc:\n    print(exc)\n"
            "from app.chain.http_provider import LoopSessionProvider\n"
            "from app.safe_json import JsonDepthError\n"
            f"try:\n    LoopSessionProvider.decode_rpc_response(deep)\n"
            "except JsonDepthError as exc:\n    print('web3:', exc)\n"
            "from app.storage.ipfs_rpc import BackendError, _gc_entry, _message\n"
            f"print('message:', _message(deep, 500))\n"
            f"try:\n    _gc_entry(deep)\nexcept BackendError as exc:\n    print('gc:', exc)\n"
            "from app.llm.api import ApiError, parse_chat_request\n"
            f"try:\n    parse_chat_request(deep)\nexcept ApiError as exc:\n    print('llm:', exc)\n"
        )
        out = survived(run_child(code))
    assert "did not answer eth_blockNumber: JSON nested" in out
    assert "web3: JSON nested" in out and "message: HTTP 500: [[[" in out
    assert "gc: the IPFS node's gc answer is not understood" in out and "llm: the request body" in out
