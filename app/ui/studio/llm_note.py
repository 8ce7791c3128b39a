"""What the inspector says under an LLM chat node: which model answers, in plain words.

On the bundled model it says that it is a tiny offline demo whose answers are not meant to be
useful, and offers any Ollama / llama.cpp server found on this computer in one click (an undoable
settings edit through the inspector).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from app.ui.studio.local_llm import LocalModels, uses_bundled
from app.ui.widgets import styled_label

BUNDLED_NOTE = (
    "This node uses the bundled demo model: a tiny model that runs offline on this computer. "
    "Its answers are not meant to be useful; it is here so the agent runs without set-up. "
    "The studio starts it when the agent runs. For real answers, point the base URL at a local "
    "Ollama or llama.cpp server, or at a hosted API."
)
OTHER_NOTE = "This node asks the server at {url}. The studio does not start it: it must be running."


class LlmNote(QWidget):
    use_server = Signal(str, str)  # base URL, model

    def __init__(self, models: LocalModels, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.models = models
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 8, 0, 0)
        self.text = styled_label("", "hint", wrap=True)
        self._layout.addWidget(self.text)
        self.buttons: list[QPushButton] = []
        self._config: dict[str, Any] | None = None
        models.servers_changed.connect(self._refresh)
        self.hide()

    def show_for(self, config: dict[str, Any] | None) -> None:
        """Describe a chat node's endpoint (``config``); None hides the note."""
        self._config = config
        if config is not None:
            self.models.probe()
        self._refresh()

    def _refresh(self) -> None:
        for button in self.buttons:
            button.deleteLater()
        self.buttons = []
        config = self._config
        self.setVisible(config is not None)
        if config is None:
            return
        url = str(config.get("base_url", ""))
        if not uses_bundled(url):
            self.text.setText(OTHER_NOTE.format(url=url))
            return
        self.text.setText(BUNDLED_NOTE)
        for server in self.models.servers:
            model = server.models[0] if server.models else ""
            button = QPushButton(f"Use {server.name}{f' ({model})' if model else ''}")
            button.setToolTip(f"{server.base_url}: found running on this computer")
            button.clicked.connect(lambda _=False, s=server.base_url, m=model: self.use_server.emit(s, m))
            self._layout.addWidget(button)
            self.buttons.append(button)
