"""The Linux .deb installs into a throwaway root, runs from there, and uninstalls cleanly.

Needs ``make package`` (dist/sahara_<version>_<arch>.deb). Without it the tests skip locally but fail
under CI or ``SAHARA_REQUIRE_FROZEN``, like test_frozen; on a system without dpkg-deb they skip.
Installing uses ``dpkg --root`` into a temp folder (never the real system), so it needs root; as
another user the package is unpacked with ``dpkg-deb -x`` instead and the install/uninstall test
skips. The GUI test needs Xvfb, xwd and ImageMagick (``.ci/run`` installs them) and skips with their
package names otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging" / "linux"))
import virtual_screen  # noqa: E402  (packaging/linux is not a package: `packaging` is taken on PyPI)

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
DEB = ROOT / "dist" / f"sahara_{VERSION}_{ARCH}.deb"
GPU_DEB = ROOT / "dist" / f"sahara-gpu_{VERSION}_{ARCH}.deb"
SIZE_LIMIT_MB = 450

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform != "linux", reason="the .deb is Linux only")]


def deb() -> Path:
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb not found: the .deb is built and tested on Debian/Ubuntu only")
    if not DEB.is_file():
        message = f"no .deb at {DEB}; run make package"
        if os.environ.get("CI") or os.environ.get("SAHARA_REQUIRE_FROZEN"):
            pytest.fail(message)
        pytest.skip(message)
    return DEB


def as_root() -> bool:
    return os.geteuid() == 0


def dpkg(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """dpkg acting on the throwaway root only. The root has no libc6 etc., hence --force-depends."""
    return subprocess.run(
        ["dpkg", f"--root={root}", "--force-depends", "--force-not-root", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The package installed into an empty root with its own dpkg database (or unpacked, not root)."""
    package = deb()
    root = tmp_path_factory.mktemp("root")
    if as_root():
        (root / "var" / "lib" / "dpkg" / "info").mkdir(parents=True)
        (root / "var" / "lib" / "dpkg" / "updates").mkdir()
        (root / "var" / "lib" / "dpkg" / "status").touch()
        result = dpkg(root, "--install", str(package))
        assert result.returncode == 0, result.stdout + result.stderr
    else:
        subprocess.run(["dpkg-deb", "-x", str(package), str(root)], check=True)
    yield root


def run(root: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAHARA_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    for name in ("SAHARA_ANVIL", "PYTHONPATH", "PYTHONHOME"):
        env.pop(name, None)
    return subprocess.run(
        [str(root / "usr" / "bin" / "sahara"), *args],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def field(package: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "--field", str(package), name], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_control_declares_what_the_system_must_provide() -> None:
    package = deb()
    assert field(package, "Package") == "sahara"
    assert field(package, "Version") == VERSION
    depends = field(package, "Depends")
    for lib in ("libc6", "libegl1", "libgl1", "libxcb1", "fontconfig-config", "libxcb-cursor0"):
        assert lib in depends, depends
    assert "sahara-gpu" in field(package, "Suggests")


def test_layout_desktop_entry_and_icon(installed: Path) -> None:
    assert os.readlink(installed / "usr" / "bin" / "sahara") == "../../opt/sahara/sahara"
    desktop = (installed / "usr" / "share" / "applications" / "sahara.desktop").read_text()
    assert "Exec=sahara\n" in desktop and "Icon=sahara\n" in desktop
    assert (installed / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps" / "sahara.svg").is_file()
    if shutil.which("desktop-file-validate"):
        entry = installed / "usr" / "share" / "applications" / "sahara.desktop"
        assert subprocess.run(["desktop-file-validate", str(entry)]).returncode == 0
    assert os.access(installed / "opt" / "sahara" / "anvil", os.X_OK)
    assert not (installed / "opt" / "sahara" / "_internal" / "torch").exists()
    dangling = [p for p in (installed / "opt" / "sahara").rglob("*") if p.is_symlink() and not p.exists()]
    assert not dangling, dangling[:5]


def test_installed_size_without_torch_or_gpu_pack(installed: Path) -> None:
    app = installed / "opt" / "sahara"
    size_mb = sum(p.stat().st_size for p in app.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20
    print(f"installed_size_mb: {size_mb:.0f}")  # shown with -s; bench/package.py prints it too
    assert size_mb <= SIZE_LIMIT_MB, f"installed_size_mb: {size_mb:.0f} (limit {SIZE_LIMIT_MB})"
    assert not list(app.rglob("libonnxruntime_providers_cuda*")), "the CUDA provider belongs in sahara-gpu"


def test_installed_self_test_and_doctor(installed: Path, tmp_path: Path) -> None:
    result = run(installed, tmp_path, "self-test")
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "self-test: ok" in result.stdout.splitlines(), result.stdout
    doctor = run(installed, tmp_path, "doctor")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    onnx = next(line for line in doctor.stdout.splitlines() if "onnxruntime" in line)
    # Without the GPU pack the CUDA provider's library is absent, so it must not be offered.
    assert "CPUExecutionProvider" in onnx and "CUDAExecutionProvider" not in onnx, onnx
    assert str(installed / "opt" / "sahara" / "anvil") in doctor.stdout


def test_installed_gui_paints_on_a_virtual_screen(installed: Path, tmp_path: Path) -> None:
    missing = virtual_screen.missing_tools()
    if missing:
        pytest.skip(f"no virtual screen: apt install {' '.join(missing)} (.ci/run does)")
    env = {k: v for k, v in os.environ.items() if k not in ("SAHARA_ANVIL", "PYTHONPATH", "PYTHONHOME")}
    env["SAHARA_HOME"] = str(tmp_path / "home")
    shot = ROOT / "build" / "screenshots" / "installed-deb.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    log = tmp_path / "home" / "logs" / "sahara.log"

    def pages_ready() -> bool:  # app.ui.app logs this once the shell has built every page
        return log.is_file() and "pages ready after" in log.read_text(encoding="utf-8", errors="replace")

    command = [str(installed / "usr" / "bin" / "sahara")]
    seconds, output = virtual_screen.shoot_app(command, env, shot, ready=pages_ready)
    assert virtual_screen.colours_in(shot) > 16, output
    print(f"installed GUI painted after {seconds:.1f} s; screenshot {shot}")


def test_gpu_pack_then_uninstall_removes_files_keeps_data(installed: Path, tmp_path: Path) -> None:
    if not as_root():
        pytest.skip("dpkg --root needs root; the package was only unpacked")
    home = tmp_path / "home"
    home.mkdir()
    (home / "mine.txt").write_text("user data")
    capi = installed / "opt" / "sahara" / "_internal" / "onnxruntime" / "capi"
    if GPU_DEB.is_file():
        result = dpkg(installed, "--install", str(GPU_DEB))
        assert result.returncode == 0, result.stdout + result.stderr
        assert list(capi.glob("libonnxruntime_providers_cuda*"))
        assert dpkg(installed, "--remove", "sahara-gpu").returncode == 0
        assert not list(capi.glob("libonnxruntime_providers_cuda*"))
    result = dpkg(installed, "--purge", "sahara")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (installed / "opt" / "sahara").exists(), "uninstall must remove every file it installed"
    assert not (installed / "usr" / "bin" / "sahara").exists()
    assert not (installed / "usr" / "share" / "applications" / "sahara.desktop").exists()
    assert (home / "mine.txt").read_text() == "user data", "uninstalling never touches the user's data"
