"""The app's version, read from the installed package metadata so there is one source of truth.

The sidebar shows it in the first paint, and ``importlib.metadata`` costs ~15 ms of imports (email,
zipfile, csv) at every start, so the common case reads the ``Version:`` header of our own
``*.dist-info/METADATA`` directly, looking along ``sys.path`` in order as importlib.metadata does;
anything unusual (no such folder, an unreadable file) goes through importlib.metadata.
"""

from __future__ import annotations

import os
import sys

DIST = "sahara-desktop"
FALLBACK = "0.1.0"  # a frozen build without dist-info, or a plain source checkout


def _from_dist_info(dist: str) -> str | None:
    prefix = dist.replace("-", "_").lower() + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip file, a path hook, a folder that does not exist
            continue
        for name in names:
            if name.lower().startswith(prefix) and name.endswith(".dist-info"):
                try:
                    with open(os.path.join(entry, name, "METADATA"), encoding="utf-8") as meta:
                        for line in meta:
                            if not line.strip():
                                break  # end of the headers
                            if line.startswith("Version:"):
                                return line.partition(":")[2].strip()
                except OSError:
                    pass
                return None
    return None


def _version(dist: str) -> str:
    found = _from_dist_info(dist)
    if found:
        return found
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return FALLBACK


__version__ = _version(DIST)
