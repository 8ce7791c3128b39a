from pathlib import Path

from app.paths import app_paths


def test_sahara_home_puts_every_folder_under_one_root(home: Path) -> None:
    paths = app_paths().ensure()
    for folder in (paths.config, paths.data, paths.logs, paths.cache):
        assert folder.is_dir()
        assert folder.is_relative_to(home.resolve())
    assert paths.database.parent == paths.data
    assert paths.devnet == paths.data / "devnet"


def test_without_sahara_home_the_os_folders_are_used(monkeypatch) -> None:
    monkeypatch.delenv("SAHARA_HOME", raising=False)
    paths = app_paths()
    assert "Sahara" in str(paths.data)
    assert paths.config != paths.data or paths.config.name == "Sahara"
