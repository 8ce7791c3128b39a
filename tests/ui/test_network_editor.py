"""Settings → Network: add a custom RPC (checked against its real chain id first), switch, remove."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest
from local_http import Handler, serving
from PySide6.QtCore import Qt

from app.settings import NetworkConfig, load_settings
from app.ui.network_editor import AddNetworkDialog, NetworkEditor

CHAIN_ID = 11155111


class _Rpc(Handler):
    def do_POST(self) -> None:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "result": hex(CHAIN_ID)}).encode()
        self.answer(200, body)


@pytest.fixture
def rpc_url() -> Iterator[str]:
    """A tiny JSON-RPC node that answers eth_chainId with 11155111."""
    with serving(_Rpc) as url:
        yield url


@pytest.fixture
def page_shell(make_shell, runtime):
    shell = make_shell(runtime, tray_available=True)
    shell.show()
    shell.window.set_page(6)
    return shell, shell.window.stack.widget(6)


def _fill(dialog: AddNetworkDialog, name: str, url: str, chain: str) -> None:
    dialog.name_field.setText(name)
    dialog.url_field.setText(url)
    dialog.chain_field.setText(chain)


def _names(editor: NetworkEditor) -> list[str]:
    return [editor.list.item(row).data(Qt.ItemDataRole.UserRole) for row in range(editor.list.count())]


def test_devnet_is_listed_first_active_and_not_removable(page_shell) -> None:
    _shell, page = page_shell
    editor = page.network_editor
    assert _names(editor) == ["devnet"]
    assert "(in use)" in editor.list.item(0).text()
    assert not editor.remove_button.isEnabled() and not editor.use_button.isEnabled()


def test_a_mismatched_chain_id_is_refused_then_fixed_and_saved(page_shell, rpc_url, paths, qtbot) -> None:
    _shell, page = page_shell
    editor = page.network_editor
    dialog = editor.open_add_dialog()
    qtbot.waitUntil(dialog.isVisible)

    _fill(dialog, "sepolia", "ws://127.0.0.1:1", "1")
    dialog.save_button.click()
    assert "http:// or https://" in dialog.error_label.text() and not dialog.checking

    dialog.url_field.setText(rpc_url)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.checking and dialog.error_label.isVisibleTo(dialog), timeout=10000)
    assert f"is chain {CHAIN_ID}, not chain 1" in dialog.error_label.text()
    assert "nothing was saved" in dialog.error_label.text()
    assert dialog.fix_button.isVisibleTo(dialog) and dialog.fix_button.text() == f"Use chain {CHAIN_ID}"
    assert dialog.name_field.text() == "sepolia" and dialog.url_field.text() == rpc_url  # nothing lost
    assert "sepolia" not in [n.name for n in load_settings(paths.settings_file).settings.networks]

    accepted: list[int] = []
    dialog.finished.connect(accepted.append)
    dialog.fix_button.click()
    qtbot.waitUntil(lambda: accepted == [1], timeout=10000)
    saved = load_settings(paths.settings_file).settings
    assert saved.networks[-1] == NetworkConfig(name="sepolia", rpc_url=rpc_url, chain_id=CHAIN_ID)
    assert saved.active_network == "devnet"  # adding does not switch
    assert _names(editor) == ["devnet", "sepolia"] and editor.selected_name() == "sepolia"


def test_an_unreachable_rpc_and_a_duplicate_name_are_refused(page_shell, paths, qtbot) -> None:
    _shell, page = page_shell
    dialog = page.network_editor.open_add_dialog()
    _fill(dialog, "DEVNET", "http://127.0.0.1:9", "5")
    dialog.save_button.click()
    assert "already exists" in dialog.error_label.text()

    dialog.name_field.setText("down")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.checking, timeout=10000)
    assert "could not be reached" in dialog.error_label.text()
    assert not dialog.fix_button.isVisibleTo(dialog)
    assert not paths.settings_file.exists() or len(load_settings(paths.settings_file).settings.networks) == 1
    dialog.reject()


def test_switching_the_active_network_saves_and_restarts_the_monitor(
    page_shell, runtime, paths, qtbot
) -> None:
    shell, page = page_shell
    shell.start_services()
    qtbot.waitUntil(lambda: runtime.start_calls == 1)
    qtbot.waitUntil(lambda: shell.monitor.state == "online", timeout=10000)

    runtime.settings.networks = [
        *runtime.settings.networks,
        NetworkConfig(name="mine", rpc_url="http://127.0.0.1:8545", chain_id=1337),
    ]
    editor = page.network_editor
    editor.refresh()
    editor.select("mine")
    assert editor.use_button.isEnabled() and editor.remove_button.isEnabled()
    runtime.status = dataclasses.replace(runtime.status, name="mine", chain_id=1337)
    names: list[str] = []
    shell.monitor.state_changed.connect(lambda name, _state, _detail: names.append(name))
    editor.use_button.click()

    assert load_settings(paths.settings_file).settings.active_network == "mine"
    qtbot.waitUntil(lambda: runtime.start_calls == 2, timeout=10000)
    assert names[0] == "mine"  # the status bar names the new network from "starting" on
    assert shell.window.status._network_name == "mine"
    assert page.network_hint.text().startswith("Chain 1337: http://127.0.0.1:8545")
    assert "(in use)" in editor.list.item(1).text() and "mine" in editor.list.item(1).text()
    assert not editor.remove_button.isEnabled()  # the active network cannot be removed

    editor.select("devnet")
    editor.use_button.click()
    qtbot.waitUntil(lambda: runtime.start_calls == 3, timeout=10000)
    editor.select("mine")
    editor.remove_button.click()
    assert _names(editor) == ["devnet"]
    assert [n.name for n in load_settings(paths.settings_file).settings.networks] == ["devnet"]


def test_a_failed_save_keeps_the_old_network(page_shell, runtime, qtbot) -> None:
    _shell, page = page_shell
    runtime.settings.networks = [
        *runtime.settings.networks,
        NetworkConfig(name="mine", rpc_url="http://127.0.0.1:8545", chain_id=1337),
    ]
    editor = page.network_editor
    editor.refresh()

    def broken() -> None:
        raise PermissionError("read-only file system")

    page._save = broken
    switched: list[str] = []
    editor.active_changed.connect(switched.append)
    editor.select("mine")
    editor.use_button.click()
    assert runtime.settings.active_network == "devnet" and switched == []
    assert "read-only file system" in editor.status.text()
