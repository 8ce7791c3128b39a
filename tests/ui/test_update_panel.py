"""Settings → Updates against a real manifest server on loopback: off by default, a refused manifest
is said in words, a signed newer release is announced (page and status bar) and nothing installs.

The shipped release key's private half is not in the repository, so these tests sign with a key of
their own and hand its public half to the check (``check_url``'s ``keys``); the verification itself
is the real one.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from functools import partial

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from local_http import Handler, serving

from app.settings import load_settings
from app.ui import update_panel
from app.updates import check_url

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def envelope(version: str, key: Ed25519PrivateKey = KEY) -> bytes:
    payload = json.dumps(
        {"schema": 1, "version": version, "notes": "Faster start.", "artifacts": {}}
    ).encode()
    signature = base64.b64encode(key.sign(payload)).decode()
    return json.dumps({"payload": base64.b64encode(payload).decode(), "signature": signature}).encode()


class _Manifests(Handler):
    def do_GET(self) -> None:
        bodies = {
            "/newer.json": envelope("99.0.0"),
            "/foreign.json": envelope("99.0.0", Ed25519PrivateKey.generate()),
            "/older.json": envelope("0.0.1"),
        }
        self.answer(200, bodies.get(self.path, b"{}"))


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(update_panel, "check_url", partial(check_url, keys=[PUBLIC]))
    with serving(_Manifests) as url:
        yield url


def panel_of(shell):  # type: ignore[no-untyped-def]
    shell.show()
    shell.window.set_page(6)
    return shell.window.stack.widget(6).update_panel


def test_checks_are_off_by_default(make_shell, runtime) -> None:
    panel = panel_of(make_shell(runtime, tray_available=True))
    assert runtime.settings.update_manifest_url is None
    assert not panel.checking and "Update checks are off" in panel.status.text()


def test_foreign_key_refused_then_newer_release_announced(make_shell, runtime, paths, server, qtbot) -> None:
    shell = make_shell(runtime, tray_available=True)
    panel = panel_of(shell)
    panel.url.setText(f"{server}/foreign.json")
    panel.check_button.click()
    qtbot.waitUntil(lambda: not panel.checking and "Not updated" in panel.status.text(), timeout=10000)
    assert "does not match a Sahara release key" in panel.status.text()
    assert "99.0.0" not in shell.window.status.message.text()
    assert load_settings(paths.settings_file).settings.update_manifest_url == f"{server}/foreign.json"

    panel.url.setText(f"{server}/older.json")
    panel.check_button.click()
    qtbot.waitUntil(lambda: "up to date" in panel.status.text(), timeout=10000)

    panel.url.setText(f"{server}/newer.json")
    panel.check_button.click()
    qtbot.waitUntil(lambda: "99.0.0 is available" in panel.status.text(), timeout=10000)
    assert "Faster start." in panel.status.text()
    assert "99.0.0 is available" in shell.window.status.message.text()


def test_a_set_url_is_checked_at_start(make_shell, runtime, server, qtbot) -> None:
    runtime.settings.update_manifest_url = f"{server}/newer.json"
    shell = make_shell(runtime, tray_available=True)
    panel = panel_of(shell)
    qtbot.waitUntil(lambda: "99.0.0 is available" in shell.window.status.message.text(), timeout=10000)
    assert not panel.checking


def test_clearing_the_url_turns_checks_off(make_shell, runtime, paths, server, qtbot) -> None:
    runtime.settings.update_manifest_url = f"{server}/older.json"
    panel = panel_of(make_shell(runtime, tray_available=True))
    qtbot.waitUntil(lambda: "up to date" in panel.status.text(), timeout=10000)  # the check at start
    panel.url.setText("")
    panel.check_button.click()
    assert panel.status.text() == "Update checks are off."
    assert load_settings(paths.settings_file).settings.update_manifest_url is None
