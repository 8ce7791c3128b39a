"""The studio as a newcomer meets it: the canvas gets the room, fit stays readable, zoom glides,
files open and save with the usual keys, New asks first, and the template gallery starts them off."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QFileDialog

from app.studio.templates import load_templates
from app.ui.pages.studio import StudioPage
from app.ui.sidebar import SIDEBAR_WIDTH
from app.ui.studio.drafts import starter_graph
from app.ui.studio.view import READABLE_ZOOM, ZOOM_STEP
from app.ui.theme import DARK, LIGHT, ThemeManager


@pytest.fixture
def page(studio_page: StudioPage) -> StudioPage:
    return studio_page


def _page_at(page: StudioPage, qtbot, window_width: int, height: int) -> None:
    """Size the page as it is inside a window of ``window_width`` (the sidebar takes its part)."""
    page.resize(window_width - SIDEBAR_WIDTH, height)
    qtbot.waitUntil(lambda: page.editor.panes.width() <= window_width - SIDEBAR_WIDTH)


def test_canvas_gets_most_of_a_1600_window_and_panes_collapse(page, qtbot) -> None:
    _page_at(page, qtbot, 1600, 1000)
    panes = page.editor.panes
    assert panes.palette_open() and panes.side_open()
    assert page.editor.view.width() >= 0.6 * 1600
    qtbot.mouseClick(page.nodes_button, Qt.MouseButton.LeftButton)
    assert not panes.palette_open() and not page.nodes_button.isChecked()
    page.editor.panes.toggle_side()
    assert not panes.side_open()
    assert page.editor.view.width() >= 1600 - SIDEBAR_WIDTH - 40
    qtbot.mouseClick(page.panel_button, Qt.MouseButton.LeftButton)
    assert panes.side_open() and page.panel_button.isChecked()


def test_a_long_inspector_form_does_not_take_the_canvas_room(page, qtbot) -> None:
    _page_at(page, qtbot, 1600, 1000)
    page.start_agent(next(t for t in load_templates() if t.key == "digit_router").graph)
    onnx = next(n for n in page.editor.model.graph.nodes if n.type == "onnx_model")
    page.editor.scene.nodes[onnx.id].setSelected(True)
    shape = page.editor.inspector.fields["shape"][0]
    qtbot.waitUntil(shape.isVisible)
    assert page.editor.view.width() >= 0.6 * 1600


def test_small_window_starts_with_the_canvas_alone_and_a_run_opens_the_panel(page, qtbot) -> None:
    _page_at(page, qtbot, 960, 640)
    panes = page.editor.panes
    assert not panes.palette_open() and not panes.side_open()
    assert page.editor.view.width() >= 0.7 * (960 - SIDEBAR_WIDTH)
    toolbar = page.layout().itemAt(0)
    assert toolbar.minimumSize().width() <= page.width() - 16, "every toolbar button keeps its words"
    assert not page.title_label.isVisible()
    page.editor.run_graph()  # the playground must be seen: the panel opens
    assert panes.side_open() and page.editor.side.currentWidget() is page.editor.playground


def test_panes_follow_the_width_until_the_user_arranges_them(page, qtbot) -> None:
    _page_at(page, qtbot, 960, 640)
    assert not page.editor.panes.side_open()
    _page_at(page, qtbot, 1600, 1000)  # maximised later: room for both
    assert page.editor.panes.side_open() and page.editor.panes.palette_open()
    page.editor.panes.toggle_palette()
    _page_at(page, qtbot, 960, 640)
    _page_at(page, qtbot, 1600, 1000)
    assert not page.editor.panes.palette_open(), "the user's choice stays"


def test_fit_keeps_text_readable_and_shows_the_start(page, qtbot) -> None:
    router = next(t for t in load_templates() if t.key == "digit_router")
    _page_at(page, qtbot, 960, 640)
    page.start_agent(router.graph)
    view = page.editor.view
    view.fit()
    assert view.zoom() >= READABLE_ZOOM - 1e-6
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    first = min(page.editor.scene.nodes.values(), key=lambda item: item.x())
    assert shown.intersects(first.sceneBoundingRect()), "the graph is shown from its inputs"
    last = max(page.editor.scene.nodes.values(), key=lambda item: item.x())
    assert not shown.contains(last.sceneBoundingRect())
    page.editor.panes.toggle_palette()  # the canvas narrows: it is fitted again, from the start
    qtbot.waitUntil(lambda: view.mapToScene(view.viewport().rect()).boundingRect().width() < shown.width())
    assert view.fitted and view.zoom() >= READABLE_ZOOM - 1e-6
    assert view.mapToScene(view.viewport().rect()).boundingRect().intersects(first.sceneBoundingRect())
    view.pan_by(40, 0)  # the user moved: a resize leaves the view alone
    page.editor.panes.toggle_palette()
    assert not view.fitted


def test_zoom_glides_in_steps(page, qtbot) -> None:
    view = page.editor.view
    view.reset_zoom()
    centre = QPointF(view.viewport().rect().center())
    event = QWheelEvent(
        centre, view.mapToGlobal(centre), QPoint(), QPoint(0, 120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    view.wheelEvent(event)
    assert view.zoom() < ZOOM_STEP - 1e-3, "a notch does not jump"
    qtbot.waitUntil(lambda: view.zoom() == pytest.approx(ZOOM_STEP), timeout=2000)
    view.zoom_step(-1)
    view.zoom_step(-1)  # a second press goes on from where the first will end
    qtbot.waitUntil(lambda: view.zoom() == pytest.approx(1 / ZOOM_STEP), timeout=2000)


def test_ctrl_s_saves_to_the_opened_file_and_asks_where_otherwise(page, qtbot, tmp_path, monkeypatch) -> None:
    asked: list[str] = []
    target = tmp_path / "mine.sahara-agent"

    def save_name(*args, **kwargs):
        asked.append(args[1])
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    page.editor.model.rename("Mine")
    page.editor.view.setFocus()
    qtbot.keyClick(page.editor.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["Save agent as"]
    qtbot.waitUntil(lambda: page.source == target, timeout=10000)
    assert target.exists() and not page.dirty()
    page.editor.model.rename("Mine, changed")
    assert page.dirty()
    qtbot.keyClick(page.editor.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: json.loads(target.read_text())["name"] == "Mine, changed", timeout=10000)
    assert asked == ["Save agent as"], "Save writes to the file it came from"


def test_ctrl_o_opens_a_file_and_save_writes_back_to_it(page, qtbot, tmp_path, monkeypatch) -> None:
    path = tmp_path / "agent.sahara-agent"
    path.write_text(starter_graph().model_copy(update={"name": "From disk"}).to_json())
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    page.editor.view.setFocus()
    qtbot.keyClick(page.editor.view, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.editor.model.graph.name == "From disk", timeout=10000)
    assert page.source == path and not page.dirty()


@pytest.mark.parametrize("answer", ["cancel", "discard"])
def test_new_asks_before_replacing_unsaved_changes(page, qtbot, answer) -> None:
    page.editor.add_node("note", QPointF(0, 0))
    assert page.dirty()
    asked: list[bool] = []
    page.ask_unsaved = lambda: asked.append(True) or answer  # type: ignore[method-assign]
    nodes = len(page.editor.model.graph.nodes)
    page.new_agent()
    assert asked == [True]
    if answer == "cancel":
        assert len(page.editor.model.graph.nodes) == nodes and not page.gallery.isVisible()
    else:
        assert page.gallery.isVisible()
        page.gallery.card("Question router").click()
        assert page.editor.model.graph.name == "Question router" and not page.dirty()


def test_save_then_new_leaves_the_saved_file_with_the_old_agent(page, qtbot, tmp_path, monkeypatch) -> None:
    target = tmp_path / "old.sahara-agent"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    page.editor.model.rename("Old one")
    page.ask_unsaved = lambda: "save"  # type: ignore[method-assign]
    page.new_agent()  # Save (asks where), then the gallery
    page.gallery.card("Empty canvas").click()
    qtbot.waitUntil(lambda: target.exists() and not page.editor.ops.busy(), timeout=10000)
    assert json.loads(target.read_text())["name"] == "Old one"
    assert page.source is None, "the new agent is not tied to the old one's file"
    assert page.dirty() is False


def _restart(page: StudioPage, paths, qtbot) -> StudioPage:
    """The app closed and opened again: a new studio page on the same data folder."""
    page.editor.flush()
    qtbot.waitUntil(lambda: not page.editor.ops.busy(), timeout=10000)
    again = StudioPage(DARK, paths=paths)
    qtbot.addWidget(again)
    return again


def _stop(page: StudioPage, qtbot) -> None:
    for task in page.shutdown():
        qtbot.waitUntil(task.done, timeout=10000)


def test_after_a_restart_save_writes_to_the_file_it_was_saved_to(
    page, paths, qtbot, tmp_path, monkeypatch
) -> None:
    target = tmp_path / "kept.sahara-agent"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    page.editor.model.rename("Kept")
    page.save()  # no file yet: Save as… (answered above)
    qtbot.waitUntil(lambda: page.source == target, timeout=10000)
    page.editor.model.rename("Kept, edited after saving")  # in the draft only
    again = _restart(page, paths, qtbot)
    try:
        assert again.editor.model.graph.name == "Kept, edited after saving", "the draft reopens as it was"
        assert again.source == target, "Save remembers the file"
        assert again.dirty(), "the edit since the last Save is still unsaved"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("Save asked where"))
        assert again.save()
        saved = lambda: json.loads(target.read_text())["name"] == "Kept, edited after saving"  # noqa: E731
        qtbot.waitUntil(saved, timeout=10000)
        qtbot.waitUntil(lambda: not again.dirty(), timeout=10000)
    finally:
        _stop(again, qtbot)


def test_after_a_restart_a_saved_file_that_is_gone_is_said_and_save_asks(
    page, paths, qtbot, tmp_path, monkeypatch
) -> None:
    target = tmp_path / "gone.sahara-agent"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    page.editor.model.rename("Soon gone")
    page.save()
    qtbot.waitUntil(lambda: page.source == target and target.exists(), timeout=10000)
    target.unlink()
    again = _restart(page, paths, qtbot)
    try:
        assert again.editor.model.graph.name == "Soon gone", "nothing the user made is lost"
        assert again.source is None and "Save asks where" in again.message.text()
    finally:
        _stop(again, qtbot)


def test_the_first_open_offers_shipped_templates(page, qtbot) -> None:
    gallery = page.show_gallery()
    titles = [card.accessibleName() for card in gallery.cards]
    assert (
        titles[0] == "Digit router" and "Chat with a local model" in titles and titles[-1] == "Empty canvas"
    )
    gallery.card("Digit router").click()
    assert not gallery.isVisible()
    assert any(n.type == "onnx_model" for n in page.editor.model.graph.nodes)
    assert page.source is None, "a template is never saved over"


def test_ctrl_n_opens_the_gallery_and_the_keyboard_picks_a_card(page, qtbot) -> None:
    page.start_agent(page.editor.model.graph)  # nothing unsaved: no question first
    page.editor.view.setFocus()
    qtbot.keyClick(page.editor.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.gallery is not None and page.gallery.isVisible()
    card = page.gallery.card("Chat with a local model")
    qtbot.keyClick(card, Qt.Key.Key_Return)
    assert page.editor.model.graph.name == "Chat with a local model"
    assert any(n.type == "llm_chat" for n in page.editor.model.graph.nodes)


def test_nodes_and_inspector_follow_a_theme_switch(page, app, qtbot) -> None:
    editor = page.editor
    theme = ThemeManager(app, "light")
    theme.changed.connect(page.apply_colors)  # as the main window does
    item = editor.scene.nodes["prompt1"]

    def node_colour() -> str:
        view = editor.view
        at = view.mapFromScene(item.mapToScene(item.boundingRect().center()))
        return view.viewport().grab().toImage().pixelColor(at).name()

    try:
        page.apply_colors(LIGHT)
        assert node_colour() in (LIGHT.surface, LIGHT.surface_alt)
        theme.set_mode("dark")
        assert node_colour() in (DARK.surface, DARK.surface_alt)
        editor.show_side(editor.inspector)
        editor.inspector.show_node("prompt1")
        inspector = editor.side.grab().toImage()
        assert inspector.pixelColor(inspector.width() - 4, inspector.height() - 4).lightness() < 80
    finally:
        theme.set_mode("light")
        app.styleHints().unsetColorScheme()
        theme.deleteLater()


def test_a_960_window_fits_the_studio_under_the_apps_stylesheet_even_after_the_user_opened_both_panes(
    page, qtbot
) -> None:
    """The app's stylesheet widens the toolbar and open panes have minimum widths: neither may stop
    the window from shrinking to 960 px (the page kept 846 px, the window 1,062)."""
    from PySide6.QtWidgets import QApplication

    from app.ui.stylesheet import build_stylesheet

    app = QApplication.instance()
    app.setStyleSheet(build_stylesheet(DARK))
    try:
        _page_at(page, qtbot, 1600, 1000)
        panes = page.editor.panes
        if not panes.side_open():
            panes.toggle_side()  # the user's layout from now on
        if not panes.palette_open():
            panes.toggle_palette()
        _page_at(page, qtbot, 960, 640)
        assert page.width() <= 960 - SIDEBAR_WIDTH
        assert not panes.side_open(), "the side panel gives the canvas its room back"
        assert page.editor.view.width() >= 200
    finally:
        app.setStyleSheet("")


def test_a_damaged_record_of_saved_files_only_means_save_asks_again(tmp_path) -> None:
    from app.ui.studio.drafts import SavedFiles

    record = tmp_path / "saved_files.json"
    draft = tmp_path / "drafts" / "agent.json"
    draft.parent.mkdir()
    draft.write_text("{}")
    for bad in ("{not json", '["a list"]', '{"agent.json": 5}', "[" * 5000 + "]" * 5000):
        record.write_text(bad)
        assert SavedFiles(record).get(draft) is None
    SavedFiles(record).remember(draft, tmp_path / "agent.sahara-agent")
    assert SavedFiles(record).get(draft) == tmp_path / "agent.sahara-agent"
