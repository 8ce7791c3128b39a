"""The "New campaign" wizard: a real import of a folder of images in a worker thread, every problem
listed, the label set edited and checked, SAHARA to wei, the escrow, Create with a progress bar and
the spec the service receives; a failed Create keeps every input; Esc asks before discarding."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from requester_fakes import FakeRequesterService, image_folder

from app.labeling.campaign_rules import Step
from app.labeling.formats import FormatError, ImportProblem, ImportResult
from app.labeling.schema import Annotation, Item, TaskType
from app.ui.labeling.requester.wizard import NewCampaignDialog
from app.ui.theme import LIGHT

SAHARA = 10**18


@pytest.fixture
def host(qtbot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def wizard(host, service, **kwargs) -> NewCampaignDialog:
    dialog = NewCampaignDialog(service, LIGHT, parent=host, **kwargs)
    dialog.open()
    return dialog


def imported(dialog: NewCampaignDialog, qtbot, path: Path) -> None:
    dialog.source.choose_path(str(path))
    assert dialog.source.importing and not dialog.next_button.isEnabled(), "busy while the thread reads"
    qtbot.waitUntil(lambda: not dialog.source.importing, timeout=10000)


def test_a_campaign_from_a_folder_of_images_end_to_end(host, loop, qtbot, tmp_path) -> None:
    folder = image_folder(tmp_path / "pets", {"cats": 6, "dogs": 5}, broken=1)
    service = FakeRequesterService()
    dialog = wizard(host, service)
    created: list[int] = []
    dialog.created.connect(created.append)
    assert dialog.caption.text() == "NEW CAMPAIGN · STEP 1 OF 5 · SOURCE"
    dialog.next()
    assert dialog.step == Step.SOURCE and "Choose a folder or a file" in dialog.source.status.text()

    imported(dialog, qtbot, folder)
    source = dialog.source
    assert "11 items found" in source.found.text() and "2 classes: cats, dogs" in source.found.text()
    assert "11 already labeled" in source.found.text()
    assert source.samples.count() == 1 + 10, "ten thumbnails (and the stretch), read in the worker thread"
    assert [source.problems.item(i).text() for i in range(source.problems.count())] == [
        "cats/broken0.png: skipped: truncated or corrupt (Truncated File Read)"
    ]
    assert source.problems_title.text() == "1 problem: these were skipped or changed"

    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Enter is Next
    assert dialog.step == Step.TASK
    assert dialog.task.selected_task() is TaskType.IMAGE_CLASSIFICATION, "preselected from the import"
    editor = dialog.task.editor
    assert [(r.name, r.hotkey) for r in editor.rows()] == [("cats", "1"), ("dogs", "2")]
    editor.add_row()
    editor.table.item(2, 0).setText("cats")
    assert "“cats” is used 2 times" in editor.status.text() and editor.status.is_error
    dialog.next()
    assert dialog.step == Step.TASK, "a duplicate name does not move on"
    editor.table.item(2, 0).setText("birds")
    editor.table.item(2, 2).setText("2")
    assert "Hotkey “2” is given to “dogs”, “birds”" in editor.status.text()
    editor.table.item(2, 2).setText("z")
    assert "“z” cannot be a hotkey" in editor.status.text()
    editor.table.item(2, 2).setText("3")
    assert not editor.status.is_error and editor.status.text().startswith("3 classes")
    editor.table.selectRow(2)
    editor.move_selected(-1)
    editor.set_color(1, "#112233")
    assert [r.name for r in editor.rows()] == ["cats", "birds", "dogs"] and editor.rows()[
        1
    ].color == "#112233"
    dialog.task.select_task(TaskType.TEXT_CLASSIFICATION)
    assert "These items are images" in dialog.task.task_status.text()
    dialog.next()
    assert dialog.step == Step.TASK
    dialog.task.select_task(TaskType.IMAGE_CLASSIFICATION)
    dialog.next()

    assert dialog.step == Step.INSTRUCTIONS
    steps = dialog.instructions
    assert "| 3 | birds | |" in steps.editor.toPlainText(), "a template with the classes and keys"
    dialog.next()
    assert "Give the campaign a title" in steps.status.text()
    steps.title_edit.setText("Pets of the office")
    steps.editor.setPlainText("# Pick the animal\n\nA **cat** has whiskers.")
    qtbot.waitUntil(lambda: "A cat has whiskers." in steps.preview.toPlainText())
    dialog.next()

    assert dialog.step == Step.QUALITY
    q = dialog.quality
    assert q.use_gold.isEnabled() and q.gold_count.maximum() == 11, "every imported answer fits"
    q.reward.setText("0.05.1")
    dialog.next()
    assert dialog.step == Step.QUALITY and "not a number" in q.reward_status.text()
    q.reward.setText("0.05")
    q.redundancy.setValue(3)
    q.batch_size.setValue(4)
    q.review_days.setValue(2)
    q.claim_minutes.setValue(30)
    q.min_reputation.setValue(10)
    q.min_gold.setValue(90)
    q.use_gold.setChecked(True)
    q.gold_count.setValue(4)
    dialog.next()

    assert dialog.step == Step.SUMMARY
    summary = dialog.summary
    assert summary.value("items") == "11" and summary.value("batches") == "3 of up to 4 items"
    assert summary.value("escrow").startswith("1.65 SAHARA  =  11 × 3 × 0.05 SAHARA")
    assert summary.value("gold") == "4 (private)"
    assert dialog.next_button.text() == "&Create campaign"
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.next()
        assert dialog.creating and not dialog.back_button.isEnabled()
        assert dialog.next_button.text() == "Creating…"

    assert created == [101] and service.progress_seen[-1] == ("Funding the campaign", 2 / 3)
    (spec,) = service.created
    assert spec.title == "Pets of the office" and spec.task_type is TaskType.IMAGE_CLASSIFICATION
    assert spec.label_set.names == ["cats", "birds", "dogs"] and spec.label_set.classes[1].color == "#112233"
    assert len(spec.items) == 11 and all(Path(i.source).is_file() for i in spec.items)
    assert spec.reward_per_item == 5 * 10**16 and spec.redundancy == 3 and spec.batch_size == 4
    assert (spec.review_window_s, spec.claim_ttl_s, spec.min_reputation) == (2 * 86400, 1800, 10)
    assert spec.min_gold_accuracy == 0.9 and spec.instructions.startswith("# Pick the animal")
    assert len(spec.gold) == 4
    folder_of = {item.id: Path(item.source).parent.name for item in spec.items}  # ids are neutral
    for item_id, answer in spec.gold.items():
        assert answer.label == folder_of[item_id], "gold answers are the imported labels"
        assert "/" not in item_id and answer.label not in item_id, "an id must not give the class away"


class FakeImport:
    """An ``import_fn`` whose result the test sets; ``hold`` keeps the worker thread waiting."""

    def __init__(self, result: ImportResult | Exception) -> None:
        self.result = result
        self.hold = threading.Event()
        self.hold.set()
        self.calls: list[tuple[Path, str | None]] = []

    def __call__(self, path: Path, fmt: str | None) -> ImportResult:
        self.calls.append((path, fmt))
        self.hold.wait(5)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def texts(n: int) -> ImportResult:
    items = [Item(id=f"t{i}", text=f"ticket {i}") for i in range(n)]
    answers = {f"t{i}": Annotation(item_id=f"t{i}", label="billing") for i in range(3)}
    problems = [
        ImportProblem("tickets.csv", 4, "text missing"),
        ImportProblem("tickets.csv", 9, "label 'refnd' is not a class"),
        ImportProblem("tickets.csv", None, "2 duplicate ids skipped"),
    ]
    return ImportResult(None, items, answers, ["billing", "refund"], problems)


def to_summary(dialog: NewCampaignDialog, qtbot, reward: str = "0.1") -> None:
    dialog.source.choose_path("/data/tickets.csv")
    qtbot.waitUntil(lambda: not dialog.source.importing)
    dialog.next()
    dialog.next()
    dialog.instructions.title_edit.setText("Ticket topics")
    dialog.next()
    dialog.quality.reward.setText(reward)
    dialog.next()
    assert dialog.step == Step.SUMMARY


def test_every_problem_is_listed_and_a_bad_path_is_said(host, loop, qtbot) -> None:
    fake = FakeImport(FormatError("cannot tell the format of notes.txt: choose one of folder, csv"))
    dialog = wizard(host, FakeRequesterService(), import_fn=fake)
    dialog.source.format.setCurrentIndex(dialog.source.format.findData("csv"))
    assert fake.calls == [], "no path yet: nothing to read"
    dialog.source.choose_path("/data/notes.txt")
    qtbot.waitUntil(lambda: not dialog.source.importing)
    assert fake.calls == [(Path("/data/notes.txt"), "csv")]
    assert (
        dialog.source.status.is_error and "cannot tell the format of notes.txt" in dialog.source.status.text()
    )
    dialog.next()
    assert dialog.step == Step.SOURCE

    fake.result = texts(5)
    dialog.source.choose_path("/data/tickets.csv")
    qtbot.waitUntil(lambda: not dialog.source.importing)
    lines = [dialog.source.problems.item(i).text() for i in range(dialog.source.problems.count())]
    assert lines == [
        "tickets.csv:4: text missing",
        "tickets.csv:9: label 'refnd' is not a class",
        "tickets.csv: 2 duplicate ids skipped",
    ]
    dialog.next()
    assert dialog.task.selected_task() is TaskType.TEXT_CLASSIFICATION, "text items: a text task"
    dialog.task.editor.table.item(0, 0).setText("invoices")
    assert "“billing” (3)" in dialog.task.mismatch.text(), "imported labels the label set lacks"


def test_a_failed_create_keeps_every_input_and_create_again_works(host, loop, qtbot) -> None:
    service = FakeRequesterService(create_error=RuntimeError("InsufficientFunds: the wallet has 0.2 SAHARA"))
    dialog = wizard(host, service, import_fn=FakeImport(texts(5)))
    to_summary(dialog, qtbot, reward="0.1")
    assert dialog.summary.value("escrow").startswith("0.5 SAHARA")
    dialog.next()
    qtbot.waitUntil(lambda: not dialog.creating)
    assert dialog.isVisible() and dialog.step == Step.SUMMARY
    error = dialog.summary.error
    assert error.is_error and error.text() == (
        "The campaign was not created: InsufficientFunds: the wallet has 0.2 SAHARA"
    )
    assert dialog.summary.progress.isHidden() and dialog.next_button.isEnabled()
    dialog.back()
    assert dialog.quality.reward.text() == "0.1"
    dialog.back()
    assert dialog.instructions.title_edit.text() == "Ticket topics"
    dialog.next()
    dialog.next()
    service.create_error = None
    with qtbot.waitSignal(dialog.accepted):
        dialog.next()
    assert [s.title for s in service.created] == ["Ticket topics"]


def test_create_shows_progress_refuses_esc_meanwhile_and_lists_skipped_uploads(host, qtbot, loop) -> None:
    import asyncio

    service = FakeRequesterService(gate=asyncio.Event())
    service.upload_problems = [ImportProblem("t3", None, "skipped: the text is empty")]
    dialog = wizard(host, service, import_fn=FakeImport(texts(5)))
    to_summary(dialog, qtbot)
    dialog.next()
    bar = dialog.summary.progress
    qtbot.waitUntil(lambda: dialog.summary.stage.text() == "Uploading images")
    assert bar.isVisible() and bar.value() == 0
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and "being created" in dialog.summary.error.text()
    service.gate.set()
    qtbot.waitUntil(lambda: dialog.created_id == 101)
    assert dialog.isVisible(), "skipped uploads are shown before closing"
    assert dialog.summary.problems.item(0).text() == "t3: skipped: the text is empty"
    assert dialog.summary.progress.value() == 1000 and dialog.next_button.text() == "Done"
    dialog.next()
    assert not dialog.isVisible()


def test_esc_asks_before_discarding_and_busy_import_blocks_next(host, loop, qtbot) -> None:
    fake = FakeImport(texts(2))
    fake.hold.clear()
    dialog = wizard(host, FakeRequesterService(), import_fn=fake)
    dialog.source.choose_path("/data/tickets.csv")
    assert not dialog.source.busy.isHidden() and not dialog.source.path.isEnabled()
    dialog.next()
    assert dialog.step == Step.SOURCE
    fake.hold.set()
    qtbot.waitUntil(lambda: not dialog.source.importing)
    assert dialog.source.busy.isHidden() and dialog.next_button.isEnabled()

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    box = dialog.confirm_box
    assert box is not None and box.isVisible() and box.text() == "Discard this campaign?"
    keep = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole)
    keep.click()
    assert dialog.isVisible()
    dialog.reject()
    discard = next(b for b in dialog.confirm_box.buttons() if b.text() == "Discard")
    discard.click()
    assert not dialog.isVisible()


def test_esc_on_an_empty_wizard_just_closes(host, loop, qtbot) -> None:
    dialog = wizard(host, FakeRequesterService(), import_fn=FakeImport(texts(1)))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.confirm_box is None


def test_choose_folder_opens_a_file_dialog_that_does_not_block(host, loop, qtbot, tmp_path) -> None:
    fake = FakeImport(texts(2))
    dialog = wizard(host, FakeRequesterService(), import_fn=fake)
    dialog.source.folder_button.click()
    chooser = dialog.source.file_dialog
    assert chooser is not None and chooser.isVisible(), "opened with open(), so the loop runs on"
    chooser.fileSelected.emit(str(tmp_path))
    chooser.reject()
    qtbot.waitUntil(lambda: not dialog.source.importing)
    assert dialog.source.path.text() == str(tmp_path) and fake.calls == [(tmp_path, None)]


def test_an_open_wizard_follows_a_theme_switch(loop, qtbot) -> None:
    from app.ui.labeling.requester.requester_panel import RequesterPanel
    from app.ui.theme import DARK

    panel = RequesterPanel(LIGHT)
    qtbot.addWidget(panel)
    panel.set_service(FakeRequesterService())
    panel.new_campaign()
    dialog = panel.wizard
    assert dialog is not None and LIGHT.surface in dialog.source.problems.styleSheet()
    panel.apply_colors(DARK)
    styled = [
        dialog.source.problems,
        dialog.task.editor.table,
        dialog.instructions.preview,
        dialog.summary.problems,
    ]
    assert all(DARK.surface in w.styleSheet() and LIGHT.surface not in w.styleSheet() for w in styled)
    dialog.close()


def test_stop_uploading_cancels_before_funding_and_keeps_the_form(host, qtbot, loop) -> None:
    import asyncio

    service = FakeRequesterService(gate=asyncio.Event())
    dialog = wizard(host, service, import_fn=FakeImport(texts(5)))
    to_summary(dialog, qtbot)
    dialog.next()
    qtbot.waitUntil(lambda: dialog.summary.stage.text() == "Uploading images")
    assert dialog.summary.stop_button.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert "Stop uploading" in dialog.summary.error.text()
    qtbot.mouseClick(dialog.summary.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.creating)
    assert dialog.isVisible() and service.created == [] and dialog.created_id is None
    assert "nothing was funded" in dialog.summary.error.text() and not dialog.summary.stop_button.isVisible()
    service.gate.set()  # going on afterwards creates the campaign from the same form
    dialog.next()
    qtbot.waitUntil(lambda: dialog.created_id == 101)


def test_an_images_folder_finds_label_studio_paths(host, loop, qtbot, tmp_path) -> None:
    import json

    from PIL import Image

    root = tmp_path / "ls-root"
    (root / "pets").mkdir(parents=True)
    for n, name in enumerate(["cat", "dog"]):
        Image.new("L", (8, 8), 40 * n).save(root / "pets" / f"{name}.png")
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    tasks_json = [
        {"id": n, "data": {"image": f"/data/local-files/?d=pets/{name}.png"}}
        for n, name in enumerate(["cat", "dog"])
    ]
    (downloads / "export.json").write_text(json.dumps(tasks_json))
    dialog = wizard(host, FakeRequesterService())
    imported(dialog, qtbot, downloads / "export.json")
    assert dialog.form.result is None or not dialog.form.result.items
    assert "Images folder" in dialog.source.problems.item(0).text()
    dialog.source.images_root.setText(str(root))
    qtbot.keyClick(dialog.source.images_root, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.source.importing and dialog.form.result is not None, timeout=10000)
    assert [i.id for i in dialog.form.result.items] == ["0", "1"]


def test_label_studio_labels_become_pre_labels_on_request(host, loop, qtbot, tmp_path) -> None:
    """An LS export with labels: the box is offered, ticked it puts the imported answers that are not
    gold in the spec as pre-labels (what the manifest publishes); a file without labels does not offer it."""
    import json

    from PIL import Image

    root = tmp_path / "ls"
    root.mkdir()
    tasks_json = []
    for n in range(6):
        Image.new("L", (8, 8), 30 * n).save(root / f"digit{n}.png")
        label = "even" if n % 2 == 0 else "odd"
        result = [{"type": "choices", "from_name": "c", "to_name": "image", "value": {"choices": [label]}}]
        tasks_json.append({"id": n, "data": {"image": f"digit{n}.png"}, "annotations": [{"result": result}]})
    export = root / "export.json"
    export.write_text(json.dumps(tasks_json))
    (root / "bare.json").write_text(
        json.dumps([{k: v for k, v in t.items() if k != "annotations"} for t in tasks_json])
    )

    service = FakeRequesterService()
    dialog = wizard(host, service)
    source = dialog.source
    assert not source.use_prelabels.isEnabled(), "nothing imported yet: no labels to start from"
    imported(dialog, qtbot, root / "bare.json")
    assert dialog.form.result is not None and not dialog.form.result.annotations
    assert not source.use_prelabels.isEnabled() and not source.prelabels_wanted()

    imported(dialog, qtbot, export)
    assert "6 already labeled" in source.found.text()
    assert source.use_prelabels.isEnabled() and not source.use_prelabels.isChecked(), "off unless asked"
    source.use_prelabels.setChecked(True)
    dialog.next()
    assert dialog.form.use_prelabels
    dialog.next()
    dialog.instructions.title_edit.setText("Even or odd")
    dialog.next()
    dialog.quality.reward.setText("0.1")
    dialog.quality.gold_count.setValue(2)
    dialog.next()
    assert dialog.step == Step.SUMMARY
    assert dialog.summary.value("prelabels") == "4 (published as starting answers)"
    with qtbot.waitSignal(dialog.accepted):
        dialog.next()
    spec = service.created[0]
    assert len(spec.gold) == 2 and len(spec.prelabels) == 4
    assert not spec.prelabels.keys() & spec.gold.keys(), "a gold answer is never published as a pre-label"
    answers = dialog.form.result.annotations if dialog.form.result else {}
    assert {k: a.label for k, a in spec.prelabels.items()} == {k: answers[k].label for k in spec.prelabels}


def test_pre_labels_stay_off_when_the_box_is_not_ticked(host, loop, qtbot) -> None:
    service = FakeRequesterService()
    dialog = wizard(host, service, import_fn=FakeImport(texts(5)))
    assert dialog.source.use_prelabels.isEnabled() is False
    to_summary(dialog, qtbot)
    assert dialog.source.use_prelabels.isEnabled(), "the texts carry 3 labels"
    assert not dialog.form.use_prelabels and dialog.summary.value("prelabels") == "None"
