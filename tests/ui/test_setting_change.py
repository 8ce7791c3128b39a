"""A settings change whose file cannot be written is taken back and said in words, in every editor of
the Settings page that saves through ``change_setting`` (the network list and storage editors have
their own tests of it: ``test_network_editor``, ``test_storage_editor``)."""

from __future__ import annotations

from app.settings import NetworkConfig, Settings
from app.ui.network_editor import NetworkEditor
from app.ui.setting_change import change_setting
from app.ui.update_panel import UpdatePanel


def broken() -> None:
    raise PermissionError("read-only file system")


def test_a_failed_write_restores_the_value_and_says_why() -> None:
    settings = Settings()
    said: list[str] = []
    assert not change_setting(settings, "log_level", "DEBUG", broken, said.append, "the log level")
    assert settings.log_level == Settings().log_level
    assert said == ["Could not save the log level: read-only file system"]
    saved: list[str] = []
    assert change_setting(
        settings, "log_level", "DEBUG", lambda: saved.append(settings.log_level), said.append, "x"
    )
    assert settings.log_level == "DEBUG" and saved == ["DEBUG"] and len(said) == 1


def test_a_failed_save_keeps_the_catalogue_source(qtbot) -> None:
    settings = Settings()
    settings.networks = [
        *settings.networks,
        NetworkConfig(name="big", rpc_url="https://rpc.example", chain_id=10),
    ]
    before = list(settings.networks)
    editor = NetworkEditor(settings, broken)
    qtbot.addWidget(editor)
    editor.select("big")
    source = editor.catalogue
    source.choice.setCurrentIndex(1)
    source.url_field.setText("http://127.0.0.1:8000/subgraphs/name/sahara/market")
    source.save()
    assert settings.networks == before
    assert source.status.text() == "Could not save the catalogue source: read-only file system"


def test_a_failed_save_keeps_update_checks_off_and_checks_nothing(qtbot) -> None:
    settings = Settings()
    panel = UpdatePanel(settings, broken)
    qtbot.addWidget(panel)
    panel.url.setText("http://127.0.0.1:9/manifest.json")
    panel.check_now()
    assert settings.update_manifest_url is None and not panel.checking
    assert panel.status.text() == "Could not save the manifest URL: read-only file system"
