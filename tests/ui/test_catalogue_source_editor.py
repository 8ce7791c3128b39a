"""Settings → Network → Catalogue source: a network takes its catalogue from a subgraph URL (checked
before it is saved, what was typed kept on a refusal) or from this app's indexer."""

from __future__ import annotations

from pathlib import Path

from app.settings import NetworkConfig, Settings, load_settings, save_settings
from app.ui.network_editor import NetworkEditor


def editor_for(qtbot, tmp_path: Path) -> tuple[NetworkEditor, Settings, Path]:
    settings = Settings()
    settings.networks = [
        *settings.networks,
        NetworkConfig(name="big", rpc_url="https://rpc.example", chain_id=10),
    ]
    path = tmp_path / "settings.json"
    editor = NetworkEditor(settings, lambda: save_settings(path, settings))
    qtbot.addWidget(editor)
    return editor, settings, path


def test_a_subgraph_url_is_checked_then_saved_for_the_selected_network(qtbot, tmp_path: Path) -> None:
    editor, settings, path = editor_for(qtbot, tmp_path)
    editor.select("big")
    source = editor.catalogue
    assert source.network_name == "big" and not source.url_field.isEnabled()
    source.choice.setCurrentIndex(1)
    assert source.url_field.isEnabled()
    source.save()
    assert "Type the subgraph's URL" in source.status.text()
    source.url_field.setText("file:///etc/passwd")
    source.networks_field.setText("127.0.0.0/8, my-lan")
    source.save()
    assert (
        "must start with http:// or https://" in source.status.text()
        and "'my-lan' is not a network" in source.status.text()
    )
    assert source.url_field.text() == "file:///etc/passwd" and not path.exists()  # kept, nothing saved
    source.url_field.setText("http://127.0.0.1:8000/subgraphs/name/sahara/market")
    source.networks_field.setText("127.0.0.0/8")
    source.save()
    assert "takes its catalogue from the subgraph" in source.status.text()
    saved = {n.name: n for n in load_settings(path).settings.networks}
    assert saved["big"].subgraph_url == "http://127.0.0.1:8000/subgraphs/name/sahara/market"
    assert saved["big"].subgraph_networks == ["127.0.0.0/8"] and saved["devnet"].subgraph_url is None

    editor.select("devnet")  # another network shows its own source
    assert source.network_name == "devnet" and source.choice.currentIndex() == 0
    editor.select("big")
    assert source.choice.currentIndex() == 1
    source.choice.setCurrentIndex(0)
    source.save()
    assert load_settings(path).settings.networks[1].subgraph_url is None
    assert settings.network().name == "devnet"  # the network in use did not change
