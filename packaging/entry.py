"""Entry script for the frozen app: PyInstaller's equivalent of the ``sahara`` console script."""

import multiprocessing
import sys

if __name__ == "__main__":
    # Must run first in a frozen app: a child started by multiprocessing (spawn) re-executes this
    # binary, and freeze_support() turns that run into the child instead of a second app.
    multiprocessing.freeze_support()

    from app.cli import main

    sys.exit(main())
