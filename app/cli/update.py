"""``sahara update check``: is a newer release out? Reads the signed manifest, installs nothing.

Exit codes: 0 up to date, 10 a newer release is available (scripts can tell the two apart),
1 the manifest was refused or could not be fetched, 2 no manifest URL is set.
"""

from __future__ import annotations

import argparse
import sys

EXIT_NEWER = 10


def add_update_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("update", help="check for a newer release (signed manifest; installs nothing)")
    actions = parser.add_subparsers(title="actions", dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="say whether a newer release is out, and where to get it")
    check.add_argument("--url", help="manifest URL (default: Settings > Updates)")
    parser.set_defaults(func=_cmd_update)


def _cmd_update(args: argparse.Namespace) -> int:
    from app.settings import load_settings
    from app.updates import UpdateError, check_url

    url = args.url or load_settings(args.paths.settings_file).settings.update_manifest_url
    if not url:
        print(
            "update: no manifest URL is set (Settings > Updates, or --url); nothing checked", file=sys.stderr
        )
        return 2
    try:
        result = check_url(url)
    except UpdateError as exc:
        print(f"update: {exc}", file=sys.stderr)
        return 1
    print(result.describe())
    if result.newer and result.release.notes:
        print(result.release.notes)
    return EXIT_NEWER if result.newer else 0
