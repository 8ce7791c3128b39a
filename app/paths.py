"""Where the app keeps its files.

platformdirs gives each OS its usual config/data/log/cache folders. Setting ``SAHARA_HOME`` puts all
of them under one folder instead, which tests and portable installs rely on: a test can point the
whole app at a temporary directory and be sure nothing touches the user's real data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "Sahara"
HOME_ENV = "SAHARA_HOME"


@dataclass(frozen=True)
class AppPaths:
    """The four folders the app writes to; every other path is derived from them."""

    config: Path
    data: Path
    logs: Path
    cache: Path

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def database(self) -> Path:
        return self.data / "sahara.db"

    @property
    def devnet(self) -> Path:
        return self.data / "devnet"

    @property
    def log_file(self) -> Path:
        return self.logs / "sahara.log"

    def ensure(self) -> AppPaths:
        """Create the folders (idempotent) and return self, so callers can chain it."""
        for folder in (self.config, self.data, self.logs, self.cache):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def app_paths(home: str | os.PathLike[str] | None = None) -> AppPaths:
    """Resolve the app's folders: an explicit ``home``, else ``$SAHARA_HOME``, else the OS defaults."""
    root = home if home is not None else os.environ.get(HOME_ENV)
    if root:
        base = Path(root).expanduser().resolve()
        return AppPaths(base / "config", base / "data", base / "logs", base / "cache")
    import platformdirs  # only here: with SAHARA_HOME set, start-up skips its import

    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return AppPaths(
        Path(dirs.user_config_dir),
        Path(dirs.user_data_dir),
        Path(dirs.user_log_dir),
        Path(dirs.user_cache_dir),
    )
