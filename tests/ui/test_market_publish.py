"""The publish wizard without a chain: the Qt-free draft's checks attacked with bad input (amounts,
parent ids, a graph that is not one, another chain's asset), and the wizard refusing Next in words
and keeping what was typed when publishing fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.market.terms import OfferTerms
from app.ui.market.publish_flow import PublishDraft, parse_amount


def test_amounts_in_words() -> None:
    assert parse_amount("1.5") == 15 * 10**17
    assert parse_amount("1,000") == 1000 * 10**18
    assert parse_amount("") == 0
    for bad, why in (("-1", "negative"), ("abc", "not an amount"), ("nan", "not an amount"),
                     ("inf", "not an amount"), ("0.0000000000000000001", "18 decimals")):  # fmt: skip
        with pytest.raises(ValueError, match=why):
            parse_amount(bad)


def test_draft_refuses_each_step_in_words(tmp_path: Path) -> None:
    draft = PublishDraft(chain_id=31337)
    assert "ONNX file" in (draft.problem("Source") or "")
    text = tmp_path / "notes.txt"
    text.write_text("not a model")
    draft.files = [text]
    assert "at least one .onnx" in (draft.problem("Source") or "")
    model = tmp_path / "m.onnx"
    model.write_bytes(b"onnx")
    draft.files = [model]
    assert draft.problem("Source") is None
    model.unlink()
    assert "gone: m.onnx" in (draft.problem("Source") or "")
    assert "name" in (draft.problem("Card") or "")
    draft.price = "1e999999"
    assert draft.problem("Terms")
    draft.price = "79228162515"  # over uint96
    assert "between 0 and" in (draft.problem("Terms") or "")
    draft.price = "2.5"
    assert draft.problem("Terms") is None
    assert draft.terms() == OfferTerms(25 * 10**17)
    for bad in ("1, x", "0", "1; -2", " ".join(str(i) for i in range(1, 18))):
        draft.parents = bad
        assert draft.problem("Parents"), bad
    draft.parents = "#3, 1 3"
    assert draft.parent_ids() == (3, 1)


def graph(path: Path, *models: str) -> Path:
    nodes = [
        {"id": f"n{i}", "type": "onnx_model", "title": f"Model {i}", "config": {"path": m}}
        for i, m in enumerate(models)
    ]
    path.write_text(json.dumps({"schema_version": 1, "name": "Reader", "nodes": nodes, "edges": []}))
    return path


def test_an_agent_graph_gives_its_parents(app: Any, loop: Any, qtbot: Any, tmp_path: Path) -> None:
    from types import SimpleNamespace

    from app.ui.market.publish_wizard import PublishWizard

    context = SimpleNamespace(chain_id=31337)  # asset: references need no chain read, only its id
    wizard = PublishWizard(lambda: context, 31337)  # type: ignore[arg-type, return-value]
    qtbot.addWidget(wizard)
    wizard.source.kinds.button(1).click()
    used = graph(tmp_path / "a.json", "asset:31337:2", "resource:models/digits.onnx", "asset:31337:2")
    wizard.use_graph(str(used))
    qtbot.waitUntil(lambda: "Graph read" in wizard.source.note.text(), timeout=5000)
    assert wizard.draft.parents == "2" and wizard.card.name.text() == "Reader"
    assert wizard.parents.parents.text() == "2" and wizard.draft.problem("Source") is None
    wizard.use_graph(str(graph(tmp_path / "b.json", "asset:1:2")))  # another network's asset
    qtbot.waitUntil(lambda: wizard.source.note.is_error, timeout=5000)
    assert "chain 1" in wizard.source.note.text() and wizard.draft.graph == used  # the first one kept
    (tmp_path / "c.json").write_text("[1, 2]")
    wizard.use_graph(str(tmp_path / "c.json"))
    qtbot.waitUntil(lambda: "c.json" in wizard.source.note.text(), timeout=5000)
    assert wizard.draft.graph == used
    wizard.close()


def test_wizard_refuses_next_and_keeps_everything_after_a_failure(
    app: Any, loop: Any, qtbot: Any, tmp_path: Path
) -> None:
    from app.ui.market.publish_wizard import PublishWizard

    def no_chain() -> Any:
        raise RuntimeError("The network did not answer.")

    wizard = PublishWizard(no_chain, 31337)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    assert wizard.step == 0 and "ONNX file" in wizard.note.text()
    model = tmp_path / "digits.onnx"
    model.write_bytes(b"\x08\x01")
    wizard.source.paths.append(model)
    wizard._read_source()
    wizard.next()
    assert wizard.step == 1 and not wizard.note.isVisible()
    wizard.next()
    assert wizard.step == 1 and "name" in wizard.note.text()
    wizard.card.name.setText("Digit classifier")
    wizard.card.template_button.click()
    assert wizard.card.card.toPlainText().startswith("# Digit classifier\n\n## What it does")
    wizard.next()
    wizard.terms.price.setText("-3")
    wizard.terms.price.textEdited.emit("-3")
    assert "negative" in wizard.terms.words.text()
    wizard.next()
    assert wizard.step == 2 and "negative" in wizard.note.text()
    wizard.terms.price.setText("2")
    wizard.next()
    wizard.next()  # no parents
    assert wizard.step == 4 and "Digit classifier" in wizard.review.summary.text()
    assert "2 SAHARA; perpetual; commercial use allowed; derivatives allowed" in wizard.review.summary.text()
    wizard.next()  # Publish: the network is gone
    qtbot.waitUntil(lambda: wizard.review.status.is_error, timeout=5000)
    assert "The network did not answer." in wizard.review.status.text()
    assert "Everything you entered is kept" in wizard.review.status.text()
    assert wizard.next_button.text() == "&Publish" and wizard.next_button.isEnabled()
    assert wizard.card.name.text() == "Digit classifier" and wizard.draft.files == [model]
    wizard.close()


def test_a_campaign_dataset_keeps_the_owner_share_said_in_words(app: Any, loop: Any, qtbot: Any) -> None:
    """The dataset source asks what share the publisher keeps (10 % unless changed), refuses one
    over 100 %, says the split in words on the review step and publishes with it."""
    from types import SimpleNamespace

    from app.ui.market.publish_wizard import PublishWizard

    published: list[tuple[int, OfferTerms, int]] = []

    async def campaigns() -> list[tuple[int, str]]:
        return [(7, "Shapes")]

    async def labelers(campaign_id: int) -> int:
        return {7: 2}[campaign_id]

    async def publish_campaign(campaign_id: int, terms: Any, owner_share_bps: int, say: Any) -> int:
        published.append((campaign_id, terms, owner_share_bps))
        return 12

    context = SimpleNamespace(chain_id=31337)
    wizard = PublishWizard(lambda: context, 31337, campaigns=campaigns, publish_campaign=publish_campaign,  # type: ignore[arg-type, return-value]
                           labelers=labelers)  # fmt: skip
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.source.kinds.button(2).click()
    qtbot.waitUntil(lambda: wizard.source.campaigns.count() == 1, timeout=5000)
    wizard.next()
    wizard.next()
    assert wizard.step == 2 and wizard.terms.owner_share.value() == 10
    assert wizard.terms.form.isRowVisible(wizard.terms.owner_share)
    wizard.draft.owner_share = 101  # past the spin box's range, as a draft could be given
    assert "between 0 % and 100 %" in (wizard.draft.problem("Terms") or "")
    wizard.terms.owner_share.setValue(15)
    assert wizard.draft.owner_share == 15
    wizard.next()
    wizard.next()
    assert wizard.step == 4
    qtbot.waitUntil(lambda: "2 labelers" in wizard.review.summary.text(), timeout=5000)
    assert "You keep 15 % of this dataset's royalties; its 2 labelers share 85 % by accepted items." in (
        wizard.review.summary.text()
    )
    wizard.next()
    qtbot.waitUntil(lambda: wizard.asset_id == 12, timeout=5000)
    assert published == [(7, OfferTerms(10**18), 1_500)]
    wizard.close()


def test_a_model_has_no_owner_share_to_set(app: Any, qtbot: Any) -> None:
    from types import SimpleNamespace

    from app.ui.market.publish_wizard import PublishWizard

    wizard = PublishWizard(lambda: SimpleNamespace(chain_id=31337), 31337)  # type: ignore[arg-type, return-value]
    qtbot.addWidget(wizard)
    wizard.terms.show_owner_share(wizard.draft.source == "dataset")
    assert not wizard.terms.form.isRowVisible(wizard.terms.owner_share)
    assert PublishDraft(owner_share=0).split_words(3) == (
        "You keep none of this dataset's royalties; its 3 labelers share them all by accepted items."
    )
    assert PublishDraft(owner_share=100).split_words(None).startswith("You keep all of this dataset's")
