"""The inspector: the selected node's settings as a form built from its pydantic config schema.

Text, numbers, switches, choices (enums), multi-line text (templates, expressions), lists of words
(class labels) and lists of whole numbers (shapes) get their own editors; anything else is edited
as JSON. An edit is applied when the field is left (or a switch
or choice changes) and becomes one undoable ``settings_edited`` request; a value that does not fit
shows its error under the form and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.studio import registry
from app.studio.graph_model import GraphModel
from app.ui.studio.list_editors import ShapeEditor, StringListEditor
from app.ui.studio.llm_note import LlmNote
from app.ui.studio.local_llm import LocalModels
from app.ui.widgets import scrolling, styled_label

MULTILINE = {"template", "expression", "expr", "system", "prompt", "documents", "body", "text", "query"}
Field = tuple[QWidget, Callable[[], Any]]


def _resolve(schema: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    ref = prop.get("$ref") or next((p.get("$ref") for p in prop.get("allOf", []) if "$ref" in p), None)
    if ref:
        return {
            **schema.get("$defs", {}).get(ref.split("/")[-1], {}),
            **{k: v for k, v in prop.items() if k != "$ref"},
        }
    options = [p for p in prop.get("anyOf", []) if p.get("type") != "null"]
    if len(options) == 1:
        return {**prop, **_resolve(schema, options[0])}
    return prop


class InspectorPanel(QWidget):
    settings_edited = Signal(str, dict, str)  # node id, new config, new title

    def __init__(self, model: GraphModel, models: LocalModels, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.node_id: str | None = None
        self.fields: dict[str, Field] = {}
        self._shown: tuple[dict[str, Any], str] | None = None
        # The form scrolls inside the side panel and never widens it: the canvas keeps its room.
        body = QWidget()
        scroll = scrolling(body)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 6, 0)
        self.heading = styled_label("Nothing selected", "section")
        self.description = styled_label("Select a node to edit its settings.", "muted", wrap=True)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setContentsMargins(0, 8, 0, 0)
        self.error = styled_label("", "error", wrap=True)
        self.error.hide()
        layout.addWidget(self.heading)
        layout.addWidget(self.description)
        layout.addWidget(self.form_host)
        self.llm_note = LlmNote(models)
        self.llm_note.use_server.connect(self._use_server)
        layout.addWidget(self.llm_note)
        layout.addWidget(self.error)
        layout.addStretch(1)
        model.events.connect("node_changed", self._model_changed)
        model.events.connect("node_removed", self._node_removed)
        model.events.connect("reset", self._reset)

    def show_node(self, node_id: str | None) -> None:
        self.node_id = node_id
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        self.error.hide()
        node = self.model.node(node_id) if node_id else None
        node_type = registry.get(node.type) if node else None
        self.llm_note.show_for(dict(node.config) if node is not None and node.type == "llm_chat" else None)
        if node is None:
            self.heading.setText("Nothing selected")
            self.description.setText("Select a node to edit its settings.")
            self._shown = None
            return
        self.heading.setText(node_type.title if node_type else node.type)
        self.description.setText(node_type.description if node_type else "This node type is not installed.")
        self._shown = (dict(node.config), node.title)
        title = QLineEdit(node.title)
        title.setPlaceholderText(node_type.title if node_type else node.type)
        title.editingFinished.connect(self.apply)
        self.form.addRow("Title", title)
        self.title_field = title
        if node_type is None:
            return
        schema = node_type.Config.model_json_schema()
        for key, raw in schema.get("properties", {}).items():
            prop = _resolve(schema, raw)
            prop["nullable"] = any(p.get("type") == "null" for p in raw.get("anyOf", []))
            value = node.config.get(key, prop.get("default"))
            widget, read = self._editor(key, prop, value)
            widget.setToolTip(prop.get("description", ""))
            self.form.addRow(prop.get("title", key), widget)
            self.fields[key] = (widget, read)

    def _editor(self, key: str, prop: dict[str, Any], value: Any) -> Field:
        kind = prop.get("type")
        if "enum" in prop:
            combo = QComboBox()
            for option in prop["enum"]:
                combo.addItem(str(option), option)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.currentIndexChanged.connect(self.apply)
            return combo, combo.currentData
        if kind == "boolean":
            box = QCheckBox()
            box.setChecked(bool(value))
            box.toggled.connect(self.apply)
            return box, box.isChecked
        items = prop.get("items", {}).get("type") if kind == "array" else None
        if items == "string":
            words = StringListEditor([str(v) for v in value or []], "label" if key == "labels" else "entry")
            words.changed.connect(self.apply)
            return words, words.value
        if items == "integer":
            shape = ShapeEditor(list(value) if value is not None else None, prop["nullable"])
            shape.changed.connect(self.apply)
            return shape, shape.value
        if kind == "string" and (key in MULTILINE or prop.get("maxLength", 0) > 2000):
            text = QPlainTextEdit(value or "")
            text.setMinimumHeight(90)
            text.installEventFilter(self)
            return text, text.toPlainText
        line = QLineEdit()
        if kind == "string":
            line.setText("" if value is None else str(value))
            read: Callable[[], Any] = line.text
        elif kind in ("integer", "number"):
            line.setText("" if value is None else str(value))
            read = lambda: _number(line.text(), kind == "integer")  # noqa: E731
        else:
            line.setText("" if value is None else json.dumps(value))
            line.setPlaceholderText("JSON (empty: none)")
            read = lambda: json.loads(line.text()) if line.text().strip() else None  # noqa: E731
        line.editingFinished.connect(self.apply)
        return line, read

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusOut and isinstance(obj, QPlainTextEdit):
            self.apply()
        return super().eventFilter(obj, event)

    def apply(self) -> None:
        """Read the form; emit ``settings_edited`` when it differs from the node and parses."""
        node = self.model.node(self.node_id) if self.node_id else None
        if node is None:
            return
        config = dict(node.config)
        try:
            for key, (_widget, read) in self.fields.items():
                config[key] = read()
        except ValueError as exc:
            self._show_error(f"Not applied: {exc}")
            return
        node_type = registry.get(node.type)
        if node_type is not None:
            try:
                node_type.Config.model_validate(config)
            except ValueError as exc:
                first = exc.errors()[0] if hasattr(exc, "errors") else {"msg": str(exc), "loc": ()}
                where = ".".join(str(p) for p in first["loc"])
                self._show_error(f"Not applied: {where}: {first['msg']}")
                return
        self.error.hide()
        title = self.title_field.text().strip()
        if (config, title) != (node.config, node.title):
            self._shown = (config, title)
            self.settings_edited.emit(node.id, config, title)

    def _use_server(self, base_url: str, model: str) -> None:
        node = self.model.node(self.node_id) if self.node_id else None
        if node is not None:
            config = {**node.config, "base_url": base_url, "model": model}
            self.settings_edited.emit(node.id, config, node.title)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _model_changed(self, node_id: str) -> None:
        node = self.model.node(node_id)
        if node_id == self.node_id and node is not None and self._shown != (node.config, node.title):
            self.show_node(node_id)  # an undo or redo changed what the form shows

    def _node_removed(self, node_id: str) -> None:
        if node_id == self.node_id:
            self.show_node(None)

    def _reset(self) -> None:
        self.show_node(None)


def _number(text: str, integer: bool) -> int | float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text) if integer else float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a {'whole ' if integer else ''}number") from None
