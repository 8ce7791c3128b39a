import json

import pytest
from pydantic import ValidationError

from app.settings import DEVNET, NetworkConfig, Settings, load_settings, save_settings


def test_missing_file_gives_defaults_without_warning(paths) -> None:
    loaded = load_settings(paths.settings_file)
    assert loaded.warning is None
    assert loaded.settings == Settings()
    assert loaded.settings.network() == DEVNET


def test_round_trip_keeps_every_value(paths) -> None:
    custom = NetworkConfig(name="testnet", rpc_url="https://rpc.example.org", chain_id=11155111)
    settings = Settings(theme="dark", close_to_tray=True, networks=[DEVNET, custom], active_network="testnet")
    save_settings(paths.settings_file, settings)
    loaded = load_settings(paths.settings_file)
    assert loaded.warning is None
    assert loaded.settings == settings
    assert loaded.settings.network() == custom


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"\xff\xfe\x00garbage", json.dumps({"theme": "purple"}).encode(), b"[1, 2, 3]"],
    ids=["syntax", "binary", "invalid-value", "wrong-type"],
)
def test_corrupt_file_is_moved_aside_and_defaults_load(paths, content: bytes) -> None:
    paths.settings_file.write_bytes(content)
    loaded = load_settings(paths.settings_file)
    assert loaded.settings == Settings()
    assert loaded.warning and "Defaults are in use" in loaded.warning
    assert not paths.settings_file.exists()
    aside = list(paths.config.glob("settings.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content


def test_unknown_keys_from_a_newer_version_are_ignored(paths) -> None:
    paths.settings_file.write_text(json.dumps({"theme": "light", "future_option": 1}))
    loaded = load_settings(paths.settings_file)
    assert loaded.warning is None and loaded.settings.theme == "light"


def test_assignment_is_validated() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.log_level = "LOUD"  # type: ignore[assignment]


def test_unknown_active_network_falls_back_to_devnet() -> None:
    assert Settings(active_network="gone").network() == DEVNET


def test_save_is_atomic_and_private(paths) -> None:
    save_settings(paths.settings_file, Settings(theme="dark"))
    assert not list(paths.config.glob(".settings.json.*"))  # no temp file left behind
    assert paths.settings_file.stat().st_mode & 0o077 == 0
