"""This computer: each NVIDIA GPU (name, VRAM, driver, temperature, load), ONNX Runtime's providers
(usable or why not) and the benchmark score, with Measure again. Reads go through the page's
operations (``ComputePage.load_machine``); this view only shows what it is given."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout

from app.compute.machine import GpuReading, ProviderInfo, Score
from app.ui.widgets import Card, action_button, set_role, styled_label


def gpu_line(gpu: GpuReading) -> str:
    temperature = f"{gpu.temperature_c} °C" if gpu.temperature_c is not None else "temperature unknown"
    load = f"{gpu.utilisation_pct} % busy" if gpu.utilisation_pct is not None else "load unknown"
    vram = f"{gpu.vram_used_mib:,} / {gpu.vram_total_mib:,} MiB VRAM in use"
    return f"{vram} · driver {gpu.driver} · {temperature} · {load}"


class MachineView(Card):
    """Signals ``measure_requested()`` (run the benchmark again) and ``refresh_requested()``."""

    measure_requested = Signal()
    refresh_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        top = QHBoxLayout()
        top.addWidget(styled_label("This computer", "section"))
        top.addStretch(1)
        self.refresh_button = action_button("Refresh", self.refresh_requested.emit)
        top.addWidget(self.refresh_button)
        self.body.addLayout(top)
        self.gpus = QVBoxLayout()
        self.gpus.setSpacing(4)
        self.body.addLayout(self.gpus)
        self.body.addWidget(styled_label("ONNX RUNTIME PROVIDERS", "caption"))
        self.providers = QGridLayout()
        self.providers.setHorizontalSpacing(12)
        self.providers.setVerticalSpacing(4)
        self.body.addLayout(self.providers)
        score_row = QHBoxLayout()
        self.score = styled_label("Benchmark: not measured yet", "muted", wrap=True)
        score_row.addWidget(self.score, 1)
        self.measure_button = action_button("Measure", self.measure_requested.emit)
        self.measure_button.setToolTip("Classify digit images for a few seconds on the best provider")
        score_row.addWidget(self.measure_button)
        self.body.addLayout(score_row)
        self.gpu_labels: list[QLabel] = []
        self.provider_labels: dict[str, QLabel] = {}

    def show_gpus(self, gpus: list[GpuReading], problem: str | None) -> None:
        for label in self.gpu_labels:
            label.deleteLater()
        self.gpu_labels = []
        if not gpus:
            self._add_gpu_label(styled_label("No NVIDIA GPU", "row-title"))
            self._add_gpu_label(styled_label(problem or "NVML sees no GPU.", "hint", wrap=True))
        for gpu in gpus:
            self._add_gpu_label(styled_label(f"GPU {gpu.index}: {gpu.name}", "row-title"))
            self._add_gpu_label(styled_label(gpu_line(gpu), "muted", wrap=True))

    def _add_gpu_label(self, label: QLabel) -> None:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.gpus.addWidget(label)
        self.gpu_labels.append(label)

    def show_providers(self, infos: list[ProviderInfo]) -> None:
        while self.providers.count():
            item = self.providers.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self.provider_labels = {}
        for row, info in enumerate(infos):
            chip = styled_label("usable" if info.available else "not here", "chip")
            set_role(chip, "chip-mined" if info.available else "chip")
            name = styled_label(info.name, "row-title")
            note = styled_label(info.note, "muted" if info.available else "hint", wrap=True)
            self.providers.addWidget(name, row, 0)
            self.providers.addWidget(chip, row, 1, Qt.AlignmentFlag.AlignLeft)
            self.providers.addWidget(note, row, 2)
            self.provider_labels[info.name] = chip
        self.providers.setColumnStretch(2, 1)

    def show_score(self, score: Score | None, busy: bool = False) -> None:
        self.measure_button.setEnabled(not busy)
        if busy:
            self.score.setText("Benchmark: measuring for a few seconds…")
        elif score is None:
            self.score.setText("Benchmark: not measured yet")
        else:
            provider = score.provider.removesuffix("ExecutionProvider")
            when = datetime.fromtimestamp(score.measured_at).strftime("%d %b %H:%M")
            self.score.setText(
                f"Benchmark: {score.per_second:,.0f} digit images a second on {provider} (measured {when})"
            )

    def show_problem(self, text: str) -> None:
        self.score.setText(text)
        self.measure_button.setEnabled(True)
