"""``NewCampaignDialog``: the requester's "New campaign" wizard in five steps — source, task and label
set, instructions, quality and pay, summary — ending in ``service.create_campaign``.

The source step runs the import (``source_step``) and lists every problem with its file and
line. Create shows the service's progress on a real bar; a failure is said in words and the dialog
keeps every input, so pressing Create again retries.
Keyboard: Enter is Next, Alt+B is Back, Esc asks before throwing away what was entered.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QMessageBox,
    QWidget,
)

from app.labeling.campaign_rules import (
    CampaignForm,
    Step,
    class_gaps,
    default_label_set,
    default_task,
    instructions_template,
    parse_reward,
    problem_line,
    unknown_labels,
)
from app.labeling.creating import CANCELLABLE_STAGES
from app.labeling.formats import ImportResult, import_path
from app.ui.labeling.confirm import ask_destructive
from app.ui.labeling.requester.source_step import ImportFn, SourceStep
from app.ui.labeling.requester.summary_step import SummaryStep
from app.ui.labeling.requester.wizard_steps import InstructionsStep, QualityStep, TaskStep
from app.ui.labeling.wording import explain
from app.ui.operations import Op, Operations
from app.ui.theme import Colors
from app.ui.widgets.wizard import WizardFrame


class NewCampaignDialog(QDialog):
    created = Signal(int)  # the new campaign's id

    def __init__(
        self,
        service: Any,
        colors: Colors,
        *,
        import_fn: ImportFn = import_path,
        parent: QWidget | None = None,
    ) -> None:
        """``import_fn(path, fmt)`` reads the items (in a worker thread); tests give a fake one."""
        super().__init__(parent)
        self.service = service
        self.form = CampaignForm()
        self.step = Step.SOURCE
        self.setWindowTitle("New campaign")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumSize(760, 640)
        self.confirm_box: QMessageBox | None = None
        self.created_id: int | None = None
        self.ops = Operations(name="label-create", describe=explain, parent=self)
        self.creating = False
        self._stopping = False  # the user stopped the upload: its cancellation is expected
        self._prepared: ImportResult | None = None  # the import the task step was filled from
        self._template = ""  # the instructions template last filled in (replaced while untouched)
        self._closed = False

        self.source = SourceStep(colors, import_fn)
        self.source.import_started.connect(self._import_started)
        self.source.import_ended.connect(self._import_ended)
        self.task = TaskStep(colors)
        self.instructions = InstructionsStep(colors)
        self.quality = QualityStep()
        self.summary = SummaryStep(colors)
        self.summary.stop_button.clicked.connect(self.stop_upload)
        frame = WizardFrame(self, [self.source, self.task, self.instructions, self.quality, self.summary])
        self.caption, self.stack = frame.caption, frame.stack
        self.back_button, self.cancel_button = frame.back_button, frame.cancel_button
        self.next_button = frame.next_button

        self.back_button.clicked.connect(self.back)
        self.cancel_button.clicked.connect(self.reject)
        self.next_button.clicked.connect(self.next)
        self.source.path.returnPressed.connect(self.start_import)
        self.source.images_root.returnPressed.connect(self.start_import)
        self.source.format.currentIndexChanged.connect(lambda _i: self.start_import())
        self.task.task.currentIndexChanged.connect(lambda _i: self._check_task())
        self.task.editor.changed.connect(self._check_task)
        self.quality.reward.textEdited.connect(lambda _t: self.quality.reward_status.set_hint(""))
        self._render()

    # -- rendering -------------------------------------------------------------------------------

    def apply_colors(self, colors: Colors) -> None:
        """Follow a theme switch made while the dialog is open."""
        for page in (self.source, self.task, self.instructions, self.quality, self.summary):
            page.apply_colors(colors)

    def _render(self) -> None:
        step = self.step
        self.stack.setCurrentIndex(step)
        self.caption.setText(f"NEW CAMPAIGN · STEP {step + 1} OF {len(Step)} · {step.title.upper()}")
        creating = self.creating
        done = self.created_id is not None
        self.back_button.setVisible(step > Step.SOURCE and not done)
        self.back_button.setEnabled(not creating)
        self.cancel_button.setVisible(not done)
        self.cancel_button.setEnabled(not creating)
        self.next_button.setText(
            "Done"
            if done
            else "Creating…"
            if creating
            else "&Create campaign"
            if step == Step.SUMMARY
            else "&Next"
        )
        self.next_button.setEnabled(not creating and not (step == Step.SOURCE and self.source.importing))
        focus: QWidget = {
            Step.SOURCE: self.next_button if self.form.result is not None else self.source.path,
            Step.TASK: self.task.task,
            Step.INSTRUCTIONS: self.instructions.title_edit,
            Step.QUALITY: self.quality.reward,
            Step.SUMMARY: self.next_button,
        }[step]
        focus.setFocus()

    # -- moving on -------------------------------------------------------------------------------

    def next(self) -> None:
        if not self.next_button.isEnabled():
            return
        if self.created_id is not None:
            self.accept()
            return
        step = self.step
        leave = {
            Step.SOURCE: self._leave_source,
            Step.TASK: self._leave_task,
            Step.INSTRUCTIONS: self._leave_instructions,
            Step.QUALITY: self._leave_quality,
        }.get(step)
        if leave is not None and not leave():
            return
        if step == Step.SUMMARY:
            self._create()
            self._render()
            return
        self.step = Step(step + 1)
        self._enter(self.step)
        self._render()

    def back(self) -> None:
        if self.step > Step.SOURCE and not self.creating and self.created_id is None:
            self.step = Step(self.step - 1)
            self._render()

    def _enter(self, step: Step) -> None:
        """Fill a step from what the earlier ones decided (only what the user has not changed)."""
        form = self.form
        if step == Step.TASK and form.result is not self._prepared:
            assert form.result is not None
            self._prepared = form.result
            self.task.select_task(default_task(form.result))
            self.task.editor.set_label_set(default_label_set(form.result.class_names))
            self._check_task()
        elif step == Step.INSTRUCTIONS:
            text = self.instructions.editor.toPlainText()
            if not text.strip() or text == self._template:
                self._template = instructions_template(form.task_type, form.label_set)
                self.instructions.editor.setPlainText(self._template)
            self.instructions.render_preview()
        elif step == Step.QUALITY:
            self.quality.set_gold_candidates(len(form.gold_candidates()))
        elif step == Step.SUMMARY:
            self.summary.error.set_hint("")
            self.summary.show_form(form)

    def _leave_source(self) -> bool:
        if self.source.importing:
            return False
        if self.form.result is None:
            if self.source.path.text().strip():
                self.start_import()
            else:
                self.source.status.set_error("Choose a folder or a file to import first.")
            return False
        self.form.use_prelabels = self.source.prelabels_wanted()
        return True

    def _leave_task(self) -> bool:
        problems = self.form.set_task(self.task.selected_task(), self.task.editor.rows())
        if problems:
            self.task.editor.table.setFocus()
            return False
        return True

    def _check_task(self) -> None:
        """Live: a task that does not fit the items, and imported labels the label set lacks."""
        problem = self.form.task_problem(self.task.selected_task())
        if problem:
            self.task.task_status.set_error(problem)
        else:
            self.task.task_status.set_hint("")
        if self.form.result is not None:
            names = [row.name.strip() for row in self.task.editor.rows()]
            gaps = class_gaps(self.form.result, self.task.selected_task(), [n for n in names if n])
            self.task.show_mismatch(unknown_labels(self.form.result.annotations.values(), names), gaps)

    def _leave_instructions(self) -> bool:
        problems = self.form.set_instructions(
            self.instructions.title_edit.text(), self.instructions.editor.toPlainText()
        )
        if problems:
            self.instructions.status.set_error(problems[0])
            self.instructions.title_edit.setFocus()
            return False
        self.instructions.status.set_hint("")
        return True

    def _leave_quality(self) -> bool:
        q, form = self.quality, self.form
        try:
            form.reward_per_item = parse_reward(q.reward.text())
        except ValueError as exc:
            q.reward_status.set_error(str(exc))
            q.reward.setFocus()
            return False
        q.reward_status.set_hint("")
        form.redundancy = q.redundancy.value()
        form.batch_size = q.batch_size.value()
        form.review_window_s = q.review_days.value() * 86400
        form.claim_ttl_s = q.claim_minutes.value() * 60
        form.min_reputation = q.min_reputation.value()
        form.min_gold_accuracy = q.min_gold.value() / 100
        try:
            form.choose_gold(q.gold_wanted())
        except ValueError as exc:
            q.gold_status.set_error(str(exc))
            q.gold_count.setFocus()
            return False
        return True

    # -- the source ------------------------------------------------------------------------------

    def start_import(self) -> None:
        """Enter in the path or images folder, another format: read the source again."""
        if self.step == Step.SOURCE:
            self.source.start_import()

    def _import_started(self) -> None:
        self.form.result = None
        self._render()

    def _import_ended(self, result: ImportResult | None) -> None:
        if result is not None:
            self.form.set_source(result)
        self._render()

    # -- creating --------------------------------------------------------------------------------

    def _create(self) -> None:
        summary = self.summary
        summary.error.set_hint("")
        summary.problems.hide()
        summary.set_progress("Starting…", 0.0)
        self.creating = True
        spec = self.form.spec()
        self.ops.run(
            Op("create", lambda _say: self.service.create_campaign(spec, progress=self._progress),
               progress=self._creating, success=self._created, failure=self._not_created)
        )  # fmt: skip

    def _creating(self, line: str | None) -> None:
        """The creation ended (created, refused or stopped): the buttons come back."""
        if line is not None:
            return
        self.creating = False
        if self._closed:
            return
        self.summary.set_progress(None)
        if self._stopping:
            self._stopping = False
            self.summary.error.set_hint("Stopped: nothing was funded, and no uploaded image was kept.")
        self._render()

    def _not_created(self, why: str) -> None:  # a refusal, storage, the network, a rejected signature
        if not self._closed:
            self.summary.error.set_error(f"The campaign was not created: {why}")

    def _created(self, created: tuple[int, list[Any]]) -> None:
        campaign_id, problems = created
        self.created_id = campaign_id
        self.created.emit(campaign_id)
        if self._closed:
            return
        if not problems:
            self.accept()
            return
        summary = self.summary
        summary.set_progress(f"Campaign #{campaign_id} is open.", 1.0)
        summary.error.set_hint(f"{len(problems)} item(s) could not be uploaded and were left out:")
        summary.problems.clear()
        summary.problems.addItems([problem_line(p) for p in problems])
        summary.problems.show()
        self._render()

    def _progress(self, text: str, fraction: float) -> None:
        """The service's progress, on the loop (GUI) thread; stopping is offered until the manifest
        is stored (from then on the campaign is being funded, and a retry would find it)."""
        if not self._closed:
            self.summary.set_progress(text, fraction)
            self.summary.stop_button.setVisible(text in CANCELLABLE_STAGES and self.creating)

    def stop_upload(self) -> None:
        """The "Stop uploading" button: cancel the creation while it is still checking or uploading."""
        stage = self.summary.stage.text()
        if self.creating and stage in CANCELLABLE_STAGES:
            self._stopping = True
            self.summary.stop_button.hide()
            self.ops.cancel("create")

    # -- leaving ---------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.reject()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        """Cancel, Esc and the close button: ask first when something would be thrown away."""
        if self.created_id is not None:
            self.accept()
        elif self.creating:
            stoppable = self.summary.stop_button.isVisible()
            self.summary.error.set_hint(
                "The campaign is being created; wait until it finishes"
                + (", or press Stop uploading." if stoppable else ".")
            )
        elif self.source.path.text().strip() or self.form.result is not None:
            self._ask_discard()
        else:
            super().reject()

    def _ask_discard(self) -> None:
        self.confirm_box = ask_destructive(
            self,
            QMessageBox.Icon.Question,
            "New campaign",
            "Discard this campaign?",
            "What you imported and entered is not kept.",
            yes="Discard",
            no="Keep editing",
            on_yes=self._discard,
        )

    def _discard(self) -> None:
        super().reject()

    def done(self, result: int) -> None:
        self._closed = True
        self.source.reading.reset()
        super().done(result)
