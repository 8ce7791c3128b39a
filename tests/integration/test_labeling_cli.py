"""`sahara label` and the auto-review in `sahara serve` as a requester on a server uses them: real
processes, a throwaway SAHARA_HOME, the embedded devnet (started once, so every command attaches).

The labeler submits its first batch in this process with the same runtime and service the window
uses, and the second with `sahara label submit` from a file of answers, as a script would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_home import CliHome, in_app, ok
from test_labeling_service import images
from test_serve import PASSWORD, sahara

from app.labeling.schema import Annotation
from app.labeling.service import LabelingService
from app.paths import AppPaths
from app.runtime import AppRuntime
from app.storage import open_store
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.hd import signing_account

pytestmark = pytest.mark.slow
LABELER = signing_account(DEV_MNEMONIC, 1).address


def labeler_submits(paths: AppPaths, answer: Callable[[str], str]) -> int:
    """Account 1 labels its open claim (``answer`` per item id) and submits it; the batch."""

    async def body(runtime: AppRuntime) -> int:
        wallet = runtime.wallet
        wallet.unlock(PASSWORD)
        wallet.active_index = 1
        assert runtime.client and runtime.outbox and runtime.deployment and runtime.sessions
        service = LabelingService(
            runtime.client, runtime.outbox, runtime.deployment, open_store(paths), runtime.sessions, wallet
        )
        (claim,) = await service.open_claims()
        await service.submit(claim, [Annotation(item_id=i.id, label=answer(i.id)) for i in claim.items])
        return claim.batch

    return in_app(paths, body)


HEAVY = ("web3", "eth_account", "py_ecc.bls", "py_ecc.optimized_bn128", "eth_abi", "sqlalchemy", "alembic")
PROBE = """
import sys
from app.cli import main
code = main(["label", "campaigns"])
print("HEAVY", sorted(m for m in {heavy!r} if m in sys.modules), code)
"""


def campaigns_without_web3(home: Path) -> list[str]:
    """The lines of ``sahara label campaigns`` (its ``main``, as ``python -m app.cli`` runs it), which
    on a running devnet answers through plain JSON-RPC: web3 (eth_account builds py_ecc's tables at
    import, 2.5 s under load), eth_abi, SQLAlchemy and alembic never load."""
    env = os.environ | {"SAHARA_HOME": str(home), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    probe = [sys.executable, "-c", PROBE.format(heavy=HEAVY)]
    done = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    *lines, heavy = done.stdout.splitlines()
    assert heavy == "HEAVY [] 0", done.stdout + done.stderr
    return lines


def test_label_commands_run_a_campaign_and_serve_reviews_it(cli: CliHome, tmp_path: Path) -> None:
    home, paths, pw = cli.home, cli.paths, cli.pw
    listed = ok(sahara(home, "label", "campaigns"))  # no password needed; deploys on the devnet
    assert listed.stdout == "" and "deploying [11/11]" in listed.stderr

    cli.fund(0)
    items = images(tmp_path / "pictures", 9)
    rows = [f"{item.id},{item.source}" for item in items]
    (tmp_path / "items.csv").write_text("id,image\n" + "\n".join(rows) + "\n")
    (tmp_path / "gold.csv").write_text(f"id,image,label\n{items[0].id},{items[0].source},circle\n")
    create = (
        "label", "create", "--from", str(tmp_path / "items.csv"), "--title", "Shapes",
        "--labels", "circle,square", "--reward", "0.01", "--batch-size", "3",
        "--gold-from", str(tmp_path / "gold.csv"), *pw,
    )  # fmt: skip
    created = ok(sahara(home, *create))
    assert created.stdout == "1\n"
    assert "skipped items.csv:11: image" in created.stderr and "broken.png" in created.stderr
    assert "campaign 1: 9 items, 1 gold, 0.09 SAHARA in escrow" in created.stderr
    assert ok(sahara(home, *create)).stdout == "1\n"  # the same campaign again: found, not funded twice
    header, row = campaigns_without_web3(home)
    assert header.split("\t")[:3] == ["id", "title", "task"], "a newcomer reads what each column is"
    assert row.split("\t")[:8] == [
        "1", "Shapes", "image_classification", "9", "0.01 SAHARA/item", "x1", "3 batches left", "open",
    ]  # fmt: skip

    claimed = ok(sahara(home, "label", "claim", "1", "--account", "1", *pw))
    head, *ids = claimed.stdout.splitlines()
    assert head.split("\t")[:3] == ["1", "0", "0"] and ids == ["img/0.png", "img/1.png", "img/2.png"]
    again = ok(sahara(home, "label", "claim", "1", "--account", "1", *pw))  # a retry does not take another
    assert again.stdout == claimed.stdout and "already hold batch 0" in again.stderr

    assert labeler_submits(paths, lambda item: "circle") == 0  # right on the gold item
    reviewed = ok(sahara(home, "label", "review", *pw))
    assert reviewed.stdout == f"1\t0\t{LABELER}\t3/3 accepted\t\n"
    assert "nothing to review" in ok(sahara(home, "label", "review", *pw)).stderr

    earnings = ok(
        sahara(home, "label", "earnings", "--account", "1")
    ).stdout.splitlines()  # no password to read
    assert earnings[0] == "withdrawable\t0.03 SAHARA" and earnings[-1] == "1\t0\taccepted\t3/3\t0.03 SAHARA\t"
    withdrawn = ok(sahara(home, "label", "withdraw", "--account", "1", *pw))
    assert withdrawn.stdout.startswith("0x") and "withdrew 0.03 SAHARA" in withdrawn.stderr
    nothing = sahara(home, "label", "withdraw", "--account", "1", *pw)
    assert nothing.returncode == 1 and "nothing to withdraw" in nothing.stderr

    # The next batch is labeled by a script and submitted with `sahara label submit`; `sahara serve`
    # reviews it by itself.
    _head, *ids = ok(sahara(home, "label", "claim", "1", "--account", "1", *pw)).stdout.splitlines()
    answers = tmp_path / "answers.jsonl"
    submit = ("label", "submit", "1", "--answers", str(answers), "--account", "1", *pw)
    answers.write_text(json.dumps({"item_id": ids[0], "label": "triangle"}) + "\n")
    refused = sahara(home, *submit)
    assert refused.returncode == 1 and "line 1: item 'img/3.png' uses ['triangle']" in refused.stderr
    assert "nothing was submitted" in refused.stderr
    answers.write_text(json.dumps({"item_id": ids[0], "label": "square"}) + "\n")
    partial = sahara(home, *submit)
    assert partial.returncode == 1 and "2 of 3 items have no answer (img/4.png, img/5.png)" in partial.stderr
    answers.write_text("".join(json.dumps({"item_id": i, "label": "square"}) + "\n" for i in ids))
    submitted = ok(sahara(home, *submit))
    assert submitted.stdout.startswith("0x")
    assert "submitted batch 1 of campaign 1: 3 answers" in submitted.stderr
    nothing = sahara(home, *submit)
    assert nothing.returncode == 1 and "you hold no batch of campaign 1" in nothing.stderr
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "app.cli", "serve", *pw, "--interval", "0.2"]
    with open(log, "wb") as sink:
        serve = subprocess.Popen(
            command, env={**os.environ, "SAHARA_HOME": str(home)}, stdout=sink, stderr=sink
        )
    try:
        deadline = time.monotonic() + 90
        while "reviewed 1 batch, 3 of 3 items accepted" not in log.read_text():
            assert serve.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(60) == 0, log.read_text()
    finally:
        if serve.poll() is None:
            serve.kill()
    assert "Traceback" not in log.read_text()

    exported = ok(sahara(home, "label", "export", "1", "--format", "coco", "-o", str(tmp_path / "coco"), *pw))
    assert str(tmp_path / "coco" / "annotations.json") in exported.stdout.splitlines()
    coco = json.loads((tmp_path / "coco" / "annotations.json").read_text())
    names = {c["id"]: c["name"] for c in coco["categories"]}
    by_item = {i["item_id"]: i["id"] for i in coco["images"]}
    labels = {a["image_id"]: names[a["category_id"]] for a in coco["annotations"]}
    assert labels == {by_item[f"img/{n}.png"]: "circle" if n < 3 else "square" for n in range(6)}
    assert all((tmp_path / "coco" / i["file_name"]).is_file() for i in coco["images"])

    closed = ok(sahara(home, "label", "close", "1", *pw))
    assert closed.stdout.startswith("0x") and "0.03 SAHARA refunded" in closed.stderr
    unknown = sahara(home, "label", "export", "7", "-o", str(tmp_path / "x"), *pw)
    assert unknown.returncode == 1 and "Campaign 7 does not exist" in unknown.stderr
