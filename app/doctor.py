"""``sahara doctor``: one line per check, OK or FAIL with a hint, so a user can fix their set-up.

Checks are small functions returning a ``Check``; an unexpected exception inside one becomes a FAIL
line instead of a traceback, because the doctor is what people run when things are already broken.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.chain.devnet import Devnet, find_anvil
from app.chain.jsonrpc import RpcError, rpc_call
from app.db.migrate import current_revision, head_revision
from app.paths import AppPaths
from app.settings import load_settings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    hint: str = ""

    def line(self) -> str:
        text = f"{'OK  ' if self.ok else 'FAIL'}  {self.name:<18} {self.detail}"
        return f"{text}  (hint: {self.hint})" if self.hint and not self.ok else text


CheckFn = Callable[[AppPaths], Check]


def check_python(_paths: AppPaths) -> Check:
    version = platform.python_version()
    ok = sys.version_info >= (3, 11)
    return Check("python", ok, f"{version} ({sys.executable})", "Sahara needs Python 3.11 or newer")


def check_onnxruntime(_paths: AppPaths) -> Check:
    from app.sysinfo import onnx_providers

    providers = onnx_providers()
    return Check(
        "onnxruntime",
        "CPUExecutionProvider" in providers,
        ", ".join(providers) or "no providers",
        "reinstall onnxruntime-gpu (Linux/Windows) or onnxruntime (macOS)",
    )


def check_gpus(_paths: AppPaths) -> Check:
    from app.sysinfo import nvidia_gpus

    gpus, reason = nvidia_gpus()
    if gpus:
        return Check("gpus", True, "; ".join(f"#{g.index} {g.name} {g.memory_mb} MB" for g in gpus))
    return Check("gpus", True, f"none seen ({reason}); jobs run on the CPU")


def check_anvil(_paths: AppPaths) -> Check:
    anvil = find_anvil()
    if anvil is None:
        return Check("anvil", False, "not found", "run `make run`, or put Foundry's anvil on PATH")
    try:
        out = subprocess.run([str(anvil), "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("anvil", False, f"{anvil} does not run: {exc}", "reinstall @foundry-rs/anvil")
    version = out.splitlines()[0] if out else "unknown version"
    return Check("anvil", True, f"{version} ({anvil})")


def check_data_dir(paths: AppPaths) -> Check:
    try:
        paths.ensure()
        with tempfile.NamedTemporaryFile(dir=paths.data, prefix=".doctor-") as fh:
            fh.write(b"ok")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        return Check("data dir", False, f"{paths.data}: {exc}", "free disk space or fix folder permissions")
    return Check("data dir", True, f"{paths.data} is writable")


def check_database(paths: AppPaths) -> Check:
    head = head_revision()
    if not paths.database.exists():
        return Check("database", True, f"not created yet; the app creates it at revision {head}")
    try:
        current = current_revision(paths.database)
    except Exception as exc:  # a damaged file is exactly what the doctor must report
        return Check("database", False, f"{paths.database} cannot be read: {exc}", "restore it from a backup")
    if current == head:
        return Check("database", True, f"migrations current ({head})")
    return Check(
        "database", False, f"at revision {current}, expected {head}", "start the app once to migrate it"
    )


def check_network(paths: AppPaths) -> Check:
    net = load_settings(paths.settings_file).settings.network()
    if net.rpc_url is None:
        info = Devnet(paths.devnet, chain_id=net.chain_id).status()
        if info is None:
            ready = find_anvil() is not None
            return Check(
                "network", ready, "devnet not running; the app starts it on launch", "anvil is missing"
            )
        block = int(rpc_call(info.rpc_url, "eth_blockNumber"), 16)
        return Check("network", True, f"devnet at {info.rpc_url}, chain {info.chain_id}, block {block}")
    try:
        chain_id = int(rpc_call(net.rpc_url, "eth_chainId", timeout=5), 16)
    except (RpcError, ValueError, TypeError) as exc:
        return Check("network", False, f"{net.name}: {exc}", "check the RPC URL and your connection")
    if chain_id != net.chain_id:
        return Check(
            "network", False, f"{net.rpc_url} is chain {chain_id}, expected {net.chain_id}", "fix the network"
        )
    return Check("network", True, f"{net.name} at {net.rpc_url}, chain {chain_id}")


CORE_CHECKS: tuple[CheckFn, ...] = (
    check_python,
    check_onnxruntime,
    check_gpus,
    check_anvil,
    check_data_dir,
    check_database,
    check_network,
)


def run_checks(paths: AppPaths, checks: Iterable[CheckFn]) -> list[Check]:
    results = []
    for check in checks:
        try:
            results.append(check(paths))
        except Exception as exc:
            name = check.__name__.removeprefix("check_").replace("_", " ")
            results.append(Check(name, False, f"check crashed: {exc!r}", "report this with the log file"))
    return results
