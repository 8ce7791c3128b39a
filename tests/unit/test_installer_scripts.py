"""The Windows and macOS installer scripts (built only on those systems, by the release workflow) name
paths, folders and commands that exist here: a renamed folder or flag fails on Linux first."""

from __future__ import annotations

import plistlib
import re
from pathlib import Path

from app.cli import build_parser
from app.paths import APP_NAME

ROOT = Path(__file__).resolve().parents[2]
ISS = (ROOT / "packaging" / "windows" / "sahara.iss").read_text(encoding="utf-8")


def test_gui_tray_flag_exists() -> None:
    args = build_parser().parse_args(["gui", "--tray"])
    assert args.tray is True
    assert build_parser().parse_args(["gui"]).tray is False


def test_inno_script_paths_point_into_this_repository() -> None:
    for relative in re.findall(r'SourcePath\) \+ "([^"]+)"', ISS):
        target = (ROOT / "packaging" / "windows" / relative.replace("\\", "/")).resolve()
        assert target.is_relative_to(ROOT), relative
    dist = re.search(r'#define DistDir AddBackslash\(SourcePath\) \+ "([^"]+)"', ISS)
    assert dist and (ROOT / "packaging" / "windows" / dist.group(1).replace("\\", "/")).resolve() == (
        ROOT / "dist" / "sahara"
    )


def test_inno_script_is_per_user_and_keeps_data_by_default() -> None:
    assert "PrivilegesRequired=lowest" in ISS
    assert "PrivilegesRequiredOverridesAllowed" not in ISS
    # The data folder the uninstaller offers to delete is the one app.paths uses on Windows.
    assert f"ExpandConstant('{{localappdata}}\\{APP_NAME}')" in ISS
    assert "MB_DEFBUTTON2" in ISS, "No (keep the data) must be the default answer"
    assert "not UninstallSilent()" in ISS, "silent uninstalls must keep the data"


def test_inno_autostart_runs_a_command_the_cli_accepts() -> None:
    run_key = re.search(r'ValueData: """\{app\}\\(\S+)"" ([^"]+)"', ISS)
    assert run_key and run_key.group(1) == "sahara.exe"
    build_parser().parse_args(run_key.group(2).split())
    assert "Tasks: autostart" in ISS and "uninsdeletevalue" in ISS
    stop = re.search(r'Filename: "\{app\}\\sahara-cli.exe"; Parameters: "([^"]+)"', ISS)
    assert stop and build_parser().parse_args(stop.group(1).split()).action == "stop"


def test_macos_entitlements_and_dmg_settings_parse() -> None:
    entitlements = plistlib.loads((ROOT / "packaging" / "macos" / "entitlements.plist").read_bytes())
    assert entitlements == {"com.apple.security.cs.allow-unsigned-executable-memory": True}
    settings = (ROOT / "packaging" / "macos" / "dmg_settings.py").read_text(encoding="utf-8")
    namespace: dict = {"defines": {"app": "dist/Sahara.app"}}
    exec(compile(settings, "dmg_settings.py", "exec"), namespace)  # dmgbuild runs it the same way
    assert namespace["files"] == ["dist/Sahara.app"]
    assert namespace["symlinks"] == {"Applications": "/Applications"}
    assert set(namespace["icon_locations"]) == {"Sahara.app", "Applications"}


def test_spec_bundles_anvil_from_each_platform_package_in_the_lockfile() -> None:
    lock = (ROOT / "package-lock.json").read_text(encoding="utf-8")
    for package, binary in (
        ("anvil-linux-amd64", "bin/anvil"),
        ("anvil-linux-arm64", "bin/anvil"),
        ("anvil-darwin-amd64", "bin/anvil"),
        ("anvil-darwin-arm64", "bin/anvil"),
        ("anvil-win32-amd64", "bin/anvil.exe"),
    ):
        entry = lock.split(f'"node_modules/@foundry-rs/{package}": {{', 1)[1].split("\n    },", 1)[0]
        assert f'"anvil": "{binary}"' in entry, package


def test_release_workflow_names_files_that_exist() -> None:
    workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    paths = set(re.findall(r"\b((?:packaging|scripts|bench|tests)[/\\][\w./\\-]+\w)", workflow))
    assert paths, "the workflow should build with the repository's own scripts"
    for path in paths:
        assert (ROOT / path.replace("\\", "/")).exists(), path


def test_release_workflow_platform_keys_match_the_update_check() -> None:
    """The manifest's keys are what app.updates.platform_key() says on each release machine."""
    workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    keys = set(re.findall(r'--artifact "([a-z]+-[a-z0-9_]+)=', workflow))
    # sys.platform -> name, platform.machine().lower() on the runners: x86_64, AMD64, arm64
    assert keys == {"linux-x86_64", "windows-amd64", "macos-arm64"}
