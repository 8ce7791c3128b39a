"""Linux installers from the PyInstaller folder: a .deb, a portable .tar.gz and the optional GPU pack.

    python packaging/linux/build_packages.py [--dist dist/sahara] [--out dist] [--formats deb,tar]

What comes out (in ``--out``), for version V from pyproject.toml and the machine's architecture:

- ``sahara_V_<deb-arch>.deb``: the app in /opt/sahara, /usr/bin/sahara (a relative link, so it also
  works when the package is unpacked into a throwaway root), a desktop entry and the icon. No
  maintainer scripts: Debian's file triggers refresh the desktop and icon caches.
- ``sahara-gpu_V_<deb-arch>.deb``: ONNX Runtime's CUDA and TensorRT provider libraries (~270 MB), which
  only NVIDIA owners with CUDA installed can use. They are split off so the app stays under 450 MB.
- with ``--formats tar``: ``sahara-V-linux-<machine>.tar.gz`` (the same folder, plus the desktop entry and
  icon, to unpack anywhere) and ``sahara-gpu-pack-V-linux-<machine>.tar.gz`` (unpacks over it).

Without the GPU pack ``app.sysinfo.onnx_providers`` no longer lists CUDA/TensorRT, so nothing asks for a
provider whose library is missing; the CPU provider always works.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ICON = ROOT / "app" / "ui" / "assets" / "sahara.svg"
# Paths inside the PyInstaller folder that make up the optional GPU pack.
GPU_PACK = (
    "_internal/onnxruntime/capi/libonnxruntime_providers_cuda.so",
    "_internal/onnxruntime/capi/libonnxruntime_providers_tensorrt.so",
)
# PyInstaller bundles every library except the base system ones (glibc, the GL/EGL dispatch
# libraries, libxcb, which must come from the user's system so they match its drivers and X server).
# fontconfig-config gives the bundled fontconfig its /etc/fonts configuration (and pulls in a font).
# The X11 helpers Qt's xcb platform plugin loads are declared too: PyInstaller bundles them only if
# the build machine happens to have them, and every desktop has them anyway.
DEPENDS = (
    "libegl1",
    "libgl1",
    "libxcb1",
    "fontconfig-config",
    "libx11-xcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xkb1",
    "libxkbcommon-x11-0",
)
# Qt's Wayland platform plugin needs these; without them Qt uses X11 (XWayland), which always works.
RECOMMENDS = ("libwayland-client0", "libwayland-cursor0", "libwayland-egl1", "xkb-data")
SUMMARY = "label data for pay, build AI agents, trade AI assets, rent your GPU"
DESCRIPTION = """\
 Sahara Desktop is one desktop app for an open AI economy whose ledger is an EVM
 chain: label data for pay, build AI agents on a canvas, publish and license
 datasets, models and agents with automatic royalties, and rent your GPU to the
 network from the system tray. It starts its own local chain (anvil) on first run.
"""
GPU_DESCRIPTION = """\
 ONNX Runtime's CUDA and TensorRT execution providers for Sahara Desktop. They
 need an NVIDIA driver with the CUDA 13 runtime and cuDNN 9 installed; without
 this pack the app runs models on the CPU.
"""


def version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def deb_arch() -> str:
    machine = platform.machine().lower()
    return {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)


def size_kib(folder: Path) -> int:
    """Installed size as dpkg counts it: the sum of file sizes in KiB (links count as 1 KiB)."""
    total = 0
    for path in folder.rglob("*"):
        if path.is_symlink() or path.is_dir():
            total += 1024
        else:
            total += path.stat().st_size
    return (total + 1023) // 1024


def control(package: str, fields: dict[str, str], description: str) -> str:
    lines = [f"Package: {package}", *(f"{key}: {value}" for key, value in fields.items())]
    return "\n".join(lines) + "\n" + description


def stage_app(dist: Path, opt: Path) -> None:
    """Copy the PyInstaller folder to ``opt`` without the GPU pack and without dangling links (the
    spec drops Qt's unused libraries, but PyInstaller leaves their top-level links behind)."""
    shutil.copytree(dist, opt, symlinks=True)
    for rel in GPU_PACK:
        (opt / rel).unlink(missing_ok=True)
    for path in opt.rglob("*"):
        if path.is_symlink() and not path.exists():
            path.unlink()


def add_desktop_files(root: Path) -> None:
    apps = root / "usr" / "share" / "applications"
    icons = root / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
    apps.mkdir(parents=True)
    icons.mkdir(parents=True)
    shutil.copyfile(HERE / "sahara.desktop", apps / "sahara.desktop")
    shutil.copyfile(ICON, icons / "sahara.svg")


def build_deb(root: Path, out: Path, compression: str) -> Path:
    """dpkg-deb with root:root ownership (no fakeroot needed) and normalised permissions."""
    for path in root.rglob("*"):
        if not path.is_symlink():
            mode = 0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644
            path.chmod(mode)
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(root), str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out


def build_app_deb(dist: Path, out_dir: Path, ver: str, compression: str) -> Path:
    with tempfile.TemporaryDirectory(prefix="sahara-deb-") as tmp:
        root = Path(tmp) / "root"
        stage_app(dist, root / "opt" / "sahara")
        (root / "usr" / "bin").mkdir(parents=True)
        (root / "usr" / "bin" / "sahara").symlink_to("../../opt/sahara/sahara")
        add_desktop_files(root)
        libc = platform.libc_ver()[1]
        fields = {
            "Version": ver,
            "Architecture": deb_arch(),
            "Maintainer": "Sahara Desktop developers <desktop@sahara.invalid>",
            "Installed-Size": str(size_kib(root)),
            "Section": "utils",
            "Priority": "optional",
            "Depends": ", ".join([f"libc6 (>= {libc})" if libc else "libc6", *DEPENDS]),
            "Recommends": ", ".join(RECOMMENDS),
            "Suggests": "sahara-gpu",
            "Description": f"Sahara Desktop: {SUMMARY}",
        }
        (root / "DEBIAN").mkdir()
        (root / "DEBIAN" / "control").write_text(control("sahara", fields, DESCRIPTION), encoding="utf-8")
        return build_deb(root, out_dir / f"sahara_{ver}_{deb_arch()}.deb", compression)


def build_gpu_deb(dist: Path, out_dir: Path, ver: str, compression: str) -> Path | None:
    present = [rel for rel in GPU_PACK if (dist / rel).is_file()]
    if not present:
        return None  # an onnxruntime build without CUDA (macOS, or the CPU wheel)
    with tempfile.TemporaryDirectory(prefix="sahara-gpu-deb-") as tmp:
        root = Path(tmp) / "root"
        for rel in present:
            target = root / "opt" / "sahara" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(dist / rel, target)
        fields = {
            "Version": ver,
            "Architecture": deb_arch(),
            "Maintainer": "Sahara Desktop developers <desktop@sahara.invalid>",
            "Installed-Size": str(size_kib(root)),
            "Section": "utils",
            "Priority": "optional",
            "Depends": f"sahara (= {ver})",
            "Enhances": "sahara",
            "Description": "Sahara Desktop: NVIDIA GPU pack (CUDA and TensorRT for ONNX Runtime)",
        }
        (root / "DEBIAN").mkdir()
        text = control("sahara-gpu", fields, GPU_DESCRIPTION)
        (root / "DEBIAN" / "control").write_text(text, encoding="utf-8")
        return build_deb(root, out_dir / f"sahara-gpu_{ver}_{deb_arch()}.deb", compression)


def build_tarballs(dist: Path, out_dir: Path, ver: str) -> list[Path]:
    """The portable folder and the GPU pack as .tar.gz; both unpack to ``sahara-V/``."""
    machine = platform.machine().lower()
    top = f"sahara-{ver}"
    made = []
    with tempfile.TemporaryDirectory(prefix="sahara-tar-") as tmp:
        folder = Path(tmp) / top
        stage_app(dist, folder)
        shutil.copyfile(HERE / "sahara.desktop", folder / "sahara.desktop")
        shutil.copyfile(ICON, folder / "sahara.svg")
        app_tar = out_dir / f"sahara-{ver}-linux-{machine}.tar.gz"
        with tarfile.open(app_tar, "w:gz", compresslevel=6) as tar:
            tar.add(folder, arcname=top)
        made.append(app_tar)
        present = [rel for rel in GPU_PACK if (dist / rel).is_file()]
        if present:
            gpu_tar = out_dir / f"sahara-gpu-pack-{ver}-linux-{machine}.tar.gz"
            with tarfile.open(gpu_tar, "w:gz", compresslevel=6) as tar:
                for rel in present:
                    tar.add(dist / rel, arcname=f"{top}/{rel}")
            made.append(gpu_tar)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist" / "sahara", help="PyInstaller folder")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the packages go")
    parser.add_argument(
        "--formats", default="deb", help="comma-separated: deb (the .deb files), tar (the portable .tar.gz)"
    )
    parser.add_argument(
        "--compression",
        default="zstd",
        choices=("zstd", "xz", "gzip"),
        help="dpkg-deb compression (zstd: Debian 12+/Ubuntu 21.10+, fast; xz for older systems)",
    )
    args = parser.parse_args(argv)
    if not (args.dist / "sahara").is_file():
        print(f"no PyInstaller build at {args.dist}; run `make package` first", file=sys.stderr)
        return 1
    formats = set(args.formats.split(","))
    if formats - {"deb", "tar"}:
        print(f"unknown format(s): {', '.join(sorted(formats - {'deb', 'tar'}))}", file=sys.stderr)
        return 2
    if "deb" in formats and not shutil.which("dpkg-deb"):
        print("dpkg-deb not found: build the .deb on Debian or Ubuntu (apt install dpkg)", file=sys.stderr)
        return 1
    ver = version()
    args.out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    if "deb" in formats:
        made.append(build_app_deb(args.dist, args.out, ver, args.compression))
        gpu = build_gpu_deb(args.dist, args.out, ver, args.compression)
        made += [gpu] if gpu else []
    if "tar" in formats:
        made += build_tarballs(args.dist, args.out, ver)
    for path in made:
        print(f"{path} ({path.stat().st_size / 2**20:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
