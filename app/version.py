"""The app's version, read from the installed package metadata so there is one source of truth."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sahara-desktop")
except PackageNotFoundError:  # a frozen build without dist-info, or a plain source checkout
    __version__ = "0.1.0"
