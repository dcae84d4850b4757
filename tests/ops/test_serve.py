"""`make run` as a user runs it: `manage.py serve` on a fresh database, Ctrl-C, and again."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from heartline.settings import PROJECT_DIR

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 — local http
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def wait_for_status(url: str, status: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if status_of(url) == status:
            return True
        time.sleep(0.25)
    return False


def children_of(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def user_count(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM accounts_user").fetchone()[0])


class Served:
    """One `manage.py serve` run, its output collected line by line."""

    def __init__(self, var_dir: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTLINE_")}
        env.update(
            HEARTLINE_VAR_DIR=str(var_dir),
            HEARTLINE_DATABASE_URL=f"sqlite:///{var_dir / 'heartline.sqlite3'}",
            PYTHONUNBUFFERED="1",
        )
        self.url = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port)],
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def ctrl_c(self) -> tuple[int, list[int]]:
        """What a terminal does on Ctrl-C: SIGINT to the foreground process group."""
        children = children_of(self.proc.pid)
        os.killpg(self.proc.pid, signal.SIGINT)
        returncode = self.proc.wait(timeout=15)
        self.reader.join(timeout=5)
        return returncode, [pid for pid in children if alive(pid)]

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def run_once(var_dir: Path) -> Served:
    served = Served(var_dir, free_port())
    try:
        assert wait_for_status(served.url + "/healthz", 200, timeout=60), served.output
        assert status_of(served.url + "/login/") == 200
        assert wait_for_status(served.url + "/readyz", 200, timeout=30), served.output
        assert len(children_of(served.proc.pid)) == 2  # the server and the worker
        started = time.monotonic()
        returncode, still_running = served.ctrl_c()
        assert time.monotonic() - started < 15
        assert (returncode, still_running) == (0, []), served.output
    finally:
        served.kill()
    return served


def test_make_run_serves_stops_cleanly_and_reuses_its_data(tmp_path):
    database = tmp_path / "heartline.sqlite3"

    first = run_once(tmp_path)
    assert "Empty database: loading demo data" in first.output
    assert f"Heartline is running at {first.url}/" in first.output
    assert "Sign in as admin, manager, agent, sales, marketing or analyst " in first.output
    assert "with the password heartline-demo." in first.output
    assert first.lines[-1] == "Heartline stopped."
    users = user_count(database)
    assert users >= 6

    second = run_once(tmp_path)
    assert "Empty database" not in second.output
    assert f"Heartline is running at {second.url}/" in second.output
    assert second.lines[-1] == "Heartline stopped."
    assert user_count(database) == users
