"""Settings → Storage: keep content in the data folder or on the user's IPFS node, whose URL is
checked against a real HTTP server before it is saved; a refused URL stays in the field."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from local_http import Handler, serving

from app.settings import load_settings
from app.ui.storage_editor import IPFS, LOCAL, StorageEditor


class _Server(Handler):
    """Kubo's answer to ``block/stat`` of a block it lacks, or (as ``web``) a plain 404 page."""

    web = False

    def do_POST(self) -> None:
        if self.web or not self.path.startswith("/api/v0/block/stat?"):
            status, body = 404, b"<html>404 page not found</html>"
        else:
            status = 500
            body = json.dumps({"Message": "block was not found locally (offline)", "Type": "error"}).encode()
        self.answer(status, body, "text/html" if status == 404 else "application/json")


@pytest.fixture
def node_url() -> Iterator[str]:
    with serving(_Server) as url:
        yield url


@pytest.fixture
def web_url() -> Iterator[str]:
    with serving(type("Web", (_Server,), {"web": True})) as url:
        yield url


@pytest.fixture
def editor(make_shell, runtime):
    shell = make_shell(runtime, tray_available=True)
    shell.show()
    shell.window.set_page(6)
    return shell.window.stack.widget(6).storage_editor


def test_the_data_folder_is_the_default(editor) -> None:
    assert editor.where.currentIndex() == LOCAL
    assert not editor.node_row.isVisibleTo(editor)
    assert "data folder" in editor.status.text()


def test_a_node_url_is_checked_then_used_and_the_data_folder_chosen_again(
    editor, node_url, web_url, runtime, paths, qtbot
) -> None:
    used: list[str | None] = []
    editor.changed.connect(used.append)
    editor.where.setCurrentIndex(IPFS)
    assert editor.node_row.isVisibleTo(editor) and "Check and use" in editor.status.text()

    editor.url.setText("ftp://127.0.0.1:5001")
    editor.use_button.click()
    assert "must start with http:// or https://" in editor.status.text() and not editor.checking

    editor.url.setText(web_url)
    editor.use_button.click()
    qtbot.waitUntil(lambda: not editor.checking, timeout=10000)
    assert "not as an IPFS node's RPC API" in editor.status.text()
    assert "Nothing was changed" in editor.status.text()
    assert runtime.settings.ipfs_api is None and used == []
    assert editor.url.text() == web_url  # kept, to be fixed

    editor.url.setText("http://127.0.0.1:9")  # nothing listens there
    editor.use_button.click()
    qtbot.waitUntil(lambda: not editor.checking, timeout=10000)
    assert "did not answer: connection refused" in editor.status.text() and runtime.settings.ipfs_api is None

    editor.url.setText(node_url)
    editor.use_button.click()
    qtbot.waitUntil(lambda: used == [node_url], timeout=10000)
    assert load_settings(paths.settings_file).settings.ipfs_api == node_url
    assert editor.status.text() == f"Content is kept on the IPFS node at {node_url}."

    editor.where.setCurrentIndex(LOCAL)
    assert used == [node_url, None]
    assert load_settings(paths.settings_file).settings.ipfs_api is None
    assert "data folder" in editor.status.text()


def test_a_failed_save_keeps_the_node_in_use(runtime, node_url, qtbot) -> None:
    def broken() -> None:
        raise PermissionError("read-only file system")

    runtime.settings.ipfs_api = node_url
    editor = StorageEditor(runtime.settings, broken)
    qtbot.addWidget(editor)
    assert editor.where.currentIndex() == IPFS and editor.url.text() == node_url
    editor.where.setCurrentIndex(LOCAL)
    assert runtime.settings.ipfs_api == node_url
    assert editor.where.currentIndex() == IPFS
    assert "read-only file system" in editor.status.text()
