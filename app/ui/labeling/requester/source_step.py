"""The wizard's first step, "Where are the items?": a folder or file to import and its format, then
what the import found (counts, classes, a few sample thumbnails) and every problem it skipped; it is
the one step that shows an import's result and the only one that decodes images (the thumbnails,
in the import's worker thread), so it is kept apart from the steps that fill the form in.

It runs the import itself, in a worker thread (a big COCO file or a folder of photos takes a while)
with a busy bar, and tells the wizard when one starts and what it found (``import_ended``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QCheckBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton

from app.labeling.campaign_rules import problem_line
from app.labeling.formats import FORMATS, ImportResult, import_path
from app.labeling.schema import Item
from app.ui.labeling.requester.wizard_steps import Step, list_style, problem_list
from app.ui.operations import Op, Operations
from app.ui.theme import Colors
from app.ui.widgets import styled_label
from app.ui.widgets.fields import StatusText, progress_bar
from app.ui.widgets.file_chooser import choose_path

ImportFn = Callable[..., ImportResult]  # (path, fmt, *, images_root=None), as import_path
SAMPLE_SIZE = 56
SAMPLES = 10
FORMAT_NAMES = {
    "folder": "Folder of images (subfolders are classes)",
    "csv": "CSV",
    "jsonl": "JSON Lines",
    "coco": "COCO JSON",
    "yolo": "YOLO folder",
    "voc": "Pascal VOC",
    "labelstudio": "Label Studio JSON",
}


def sample_images(items: list[Item]) -> list[QImage]:
    """A few imported images as small thumbnails (QImage: safe in a worker thread), so the
    requester sees at a glance that this is the right folder. Unreadable ones are left out."""
    images = []
    for item in items[:: max(1, len(items) // SAMPLES)][:SAMPLES]:  # spread over the classes
        image = QImage(item.source) if item.source and item.text is None else QImage()
        if not image.isNull():
            images.append(
                image.scaled(
                    QSize(SAMPLE_SIZE, SAMPLE_SIZE),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
    return images


class SourceStep(Step):
    import_started = Signal()
    import_ended = Signal(object)  # the ImportResult, or None when nothing could be read

    def __init__(self, colors: Colors, import_fn: ImportFn = import_path) -> None:
        """``import_fn(path, fmt)`` reads the items (in a worker thread); tests give a fake one."""
        super().__init__(
            "Where are the items?",
            "A folder of images (one subfolder per class labels them), or a CSV, JSON Lines, COCO, YOLO, "
            "Pascal VOC or Label Studio export. Labels already in it can become gold answers or pre-labels.",
        )
        row = QHBoxLayout()
        row.setSpacing(8)
        self.path = QLineEdit()
        self.path.setPlaceholderText("A folder or a file…")
        self.path.setAccessibleName("Folder or file to import")
        row.addWidget(self.path, 1)
        self.folder_button = QPushButton("Choose &folder…")
        self.file_button = QPushButton("Choose f&ile…")
        for button in (self.folder_button, self.file_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        self.body.addLayout(row)
        self.format = self.add_choice("Format", "Format")
        self.format.addItem("Detect from the file", None)
        for fmt in FORMATS:
            self.format.addItem(FORMAT_NAMES.get(fmt, fmt), fmt)
        roots = QHBoxLayout()
        roots.addWidget(styled_label("Images folder", "muted"))
        self.images_root = QLineEdit()
        self.images_root.setPlaceholderText(
            "Where a file's image paths live, if not beside it (Label Studio: its document root); Enter"
        )
        self.images_root.setAccessibleName("Images folder")
        roots.addWidget(self.images_root, 1)
        self.body.addLayout(roots)
        self.busy = progress_bar(0, 6)
        self.body.addWidget(self.busy)
        self.status = StatusText()
        self.body.addWidget(self.status)
        self.found = styled_label("", "bullet", wrap=True)
        self.found.hide()
        self.body.addWidget(self.found)
        self.samples = QHBoxLayout()
        self.samples.setSpacing(6)
        self.samples.addStretch(1)
        self.body.addLayout(self.samples)
        self.use_prelabels = QCheckBox("Start labelers from the imported labels (pre-labels)")
        self.use_prelabels.setAccessibleName("Use the imported labels as pre-labels")
        self.use_prelabels.setEnabled(False)
        self.body.addWidget(self.use_prelabels)
        self.prelabels_hint = styled_label(
            "Gold answers stay hidden and test the labelers; pre-labels are published with the campaign and "
            "shown as each item's starting answer, for labelers to confirm or fix. An item is never both.",
            "muted",
            wrap=True,
        )
        self.body.addWidget(self.prelabels_hint)
        self.problems_title = styled_label("", "section")
        self.problems_title.hide()
        self.body.addWidget(self.problems_title)
        self.problems = problem_list("Import problems", colors)
        self.problems.setAlternatingRowColors(True)
        self.problems.setUniformItemSizes(True)
        self.body.addWidget(self.problems, 1)
        self.body.addStretch(0)
        self.import_fn = import_fn
        self.reading = Operations(name="label-import", parent=self)  # reset per import: a late one is dropped
        self.importing = False
        self.file_dialog: QFileDialog | None = None
        self.folder_button.clicked.connect(lambda: self.choose(folder=True))
        self.file_button.clicked.connect(lambda: self.choose(folder=False))

    def apply_colors(self, colors: Colors) -> None:
        self.problems.setStyleSheet(list_style(colors))

    def set_busy(self, text: str | None) -> None:
        self.busy.setVisible(text is not None)
        for widget in (self.path, self.folder_button, self.file_button, self.format):
            widget.setEnabled(text is None)
        if text is not None:
            self.use_prelabels.setEnabled(False)
            self.status.set_hint(text)
            self.show_samples([])
            self.found.hide()
            self.problems_title.hide()
            self.problems.hide()

    def show_samples(self, images: list[QImage]) -> None:
        while self.samples.count() > 1:
            widget = self.samples.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        for i, image in enumerate(images):
            thumb = QLabel()
            thumb.setPixmap(QPixmap.fromImage(image))
            thumb.setFixedSize(SAMPLE_SIZE + 8, SAMPLE_SIZE + 8)
            thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
            thumb.setObjectName("Card")
            thumb.setAccessibleName(f"Sample image {i + 1}")
            self.samples.insertWidget(i, thumb)

    def show_result(self, result: ImportResult) -> None:
        labeled = len(result.annotations)
        classes = result.class_names
        parts = [f"{len(result.items):,} item{'s' if len(result.items) != 1 else ''} found"]
        if classes:
            shown = ", ".join(classes[:12]) + (f" and {len(classes) - 12} more" if len(classes) > 12 else "")
            parts.append(f"{len(classes)} class{'es' if len(classes) != 1 else ''}: {shown}")
        parts.append(f"{labeled:,} already labeled" if labeled else "none labeled yet")
        self.use_prelabels.setEnabled(bool(labeled))  # offered only when there are labels to start from
        if not labeled:
            self.use_prelabels.setChecked(False)
        self.found.setText(" · ".join(parts))
        self.found.show()
        count = len(result.problems)
        self.problems_title.setText(
            f"{count} problem{'s' if count != 1 else ''}: these were skipped or changed" if count else ""
        )
        self.problems_title.setVisible(bool(count))
        self.problems.clear()
        self.problems.addItems([problem_line(p) for p in result.problems])
        self.problems.setVisible(bool(count))
        if result.items:
            self.status.set_ok(
                "Imported. The problems below were left out; press Next to go on." if count else "Imported."
            )
        else:
            self.status.set_error("Nothing to label was found: choose another folder, file or format.")

    # -- importing -------------------------------------------------------------------------------

    def choose(self, *, folder: bool) -> None:
        current = self.path.text().strip()
        start = Path(current).expanduser()
        self.file_dialog = choose_path(
            self,
            "Choose the folder to import" if folder else "Choose the file to import",
            self.choose_path,
            folder=folder,
            directory=str(start if start.is_dir() else start.parent) if current else "",
            filters=["Labeling data (*.csv *.tsv *.jsonl *.ndjson *.json *.xml)", "All files (*)"],
        )

    def choose_path(self, path: str) -> None:
        self.path.setText(path)
        self.start_import()

    def start_import(self) -> None:
        text = self.path.text().strip()
        if not text:
            return
        self.reading.reset()
        self.importing = True
        path, fmt = Path(text).expanduser(), self.format.currentData()
        root_text = self.images_root.text().strip()
        root = Path(root_text).expanduser() if root_text else None
        self.set_busy(f"Reading {path.name or path}…")
        self.import_started.emit()
        self.reading.run(
            Op("import", lambda _say: asyncio.to_thread(self._read, path, fmt, root), progress=self._reading,
               success=self._imported, failure=self._not_imported)
        )  # fmt: skip

    def _read(self, path: Path, fmt: str | None, root: Path | None) -> tuple[ImportResult, list[QImage]]:
        """In a worker thread: the import and a few thumbnails of what it found."""
        result = self.import_fn(path, fmt, images_root=root) if root else self.import_fn(path, fmt)
        return result, sample_images(result.items)

    def _reading(self, line: str | None) -> None:
        if line is None:
            self.importing = False
            self.set_busy(None)

    def _imported(self, read: tuple[ImportResult, list[QImage]]) -> None:
        result, samples = read
        self.show_result(result)
        self.show_samples(samples)
        self.import_ended.emit(result)

    def _not_imported(self, error: str) -> None:  # FormatError says why; a reader's bug is said too
        self.status.set_error(f"Nothing was imported: {error}")
        self.import_ended.emit(None)

    def prelabels_wanted(self) -> bool:
        """Whether the requester asked for the imported labels as starting answers (and there are some)."""
        return self.use_prelabels.isEnabled() and self.use_prelabels.isChecked()
