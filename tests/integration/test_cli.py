"""The `sahara` command as a user runs it: a real process, a real devnet, a throwaway SAHARA_HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from app.cli import build_parser

SAHARA = [sys.executable, "-m", "app.cli"]


def sahara(*args: str, home=None, check: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAHARA_HOME": str(home)} if home else dict(os.environ)
    return subprocess.run([*SAHARA, *args], capture_output=True, text=True, env=env, timeout=120, check=check)


def test_version() -> None:
    result = sahara("--version")
    assert result.returncode == 0 and result.stdout.startswith("sahara ")


@pytest.mark.parametrize("command", [[], ["doctor"], ["self-test"], ["gui"], ["devnet"], ["devnet", "reset"]])
def test_every_command_has_help(command: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: sahara" in capsys.readouterr().out


def test_self_test_passes(home) -> None:
    result = sahara("self-test", home=home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("self-test: ok")
    assert not (home / "data" / "sahara.db").exists()  # it used a throwaway folder


def test_doctor_passes_on_a_healthy_install(home) -> None:
    result = sahara("doctor", home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    names = [line.split()[1] for line in result.stdout.splitlines() if line.startswith(("OK", "FAIL"))]
    assert names == ["python", "qt", "onnxruntime", "gpus", "anvil", "data", "database", "network"]


def test_doctor_fails_on_an_outdated_database_with_a_hint(home) -> None:
    db = home / "data" / "sahara.db"
    db.parent.mkdir(parents=True)
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('0000')")
    conn.close()
    result = sahara("doctor", home=home)
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if " database " in line)
    assert line.startswith("FAIL") and "hint:" in line


def test_doctor_fails_when_anvil_is_missing(home, tmp_path) -> None:
    env = {**os.environ, "SAHARA_HOME": str(home), "PATH": "/usr/bin:/bin"}
    fake_root = tmp_path / "no-anvil"
    fake_root.mkdir()
    script = (
        "import sys, app.chain.devnet as d, pathlib;"
        f"d.REPO_ROOT = pathlib.Path({str(fake_root)!r});"
        "from app.cli import main; sys.exit(main(['doctor']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 1
    assert any(line.startswith("FAIL  anvil") for line in result.stdout.splitlines())


def test_devnet_start_status_stop_reset(home) -> None:
    started = sahara("devnet", "start", home=home)
    try:
        assert started.returncode == 0, started.stderr
        assert "devnet running: http://127.0.0.1:" in started.stdout
        status = sahara("devnet", "status", home=home)
        assert status.returncode == 0 and "block" in status.stdout
        again = sahara("devnet", "start", home=home)  # attaches, does not start a second node
        assert again.stdout.split()[2] == started.stdout.split()[2]
        refused = sahara("devnet", "reset", home=home)
        assert refused.returncode == 2 and "--yes" in refused.stderr
    finally:
        stopped = sahara("devnet", "stop", home=home)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    down = sahara("devnet", "status", home=home)
    assert down.returncode == 1 and "not running" in down.stdout
    reset = sahara("devnet", "reset", "--yes", home=home)
    assert reset.returncode == 0 and not (home / "data" / "devnet" / "state.json").exists()


def test_installed_console_script_exists() -> None:
    assert shutil.which("sahara", path=os.path.dirname(sys.executable))


def test_deploy_on_the_devnet_then_again_is_a_no_op(home) -> None:
    first = sahara("deploy", home=home)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("deployed on devnet") and "[11/11] grant arbiter" in first.stderr
    addresses = dict(line.split("\t") for line in first.stdout.splitlines()[1:])
    assert len(addresses) == 7
    again = sahara("deploy", home=home)
    assert again.returncode == 0 and again.stdout.startswith("already deployed")
    assert dict(line.split("\t") for line in again.stdout.splitlines()[1:]) == addresses
    unknown = sahara("deploy", "--network", "mainnet", home=home)
    assert unknown.returncode == 1 and "no network named 'mainnet'" in unknown.stderr
