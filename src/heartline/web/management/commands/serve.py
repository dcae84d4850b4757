"""`make run`: migrate, load demo data into an empty database, run the server and the worker.

The server (uvicorn) and the worker run as child processes in their own process groups, so a
Ctrl-C in the terminal reaches only this command, which then asks each child exactly once to
stop (SIGTERM: uvicorn closes connections, the worker finishes its task). A second signal
would make them abandon work. Children also get SIGTERM if this process dies (Linux
``PR_SET_PDEATHSIG``), so nothing is left running behind a killed ``serve``.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from heartline.accounts.models import User
from heartline.demo.seed import DEMO_PASSWORD

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STOP_GRACE_SECONDS = 10.0
PR_SET_PDEATHSIG = 1


# Loaded here, not in the child: only async-signal-safe work may happen between fork and exec.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _start(cmd: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
        cmd, process_group=0, preexec_fn=_die_with_parent
    )


def _stop(procs: list[subprocess.Popen[bytes]]) -> bool:
    """SIGTERM once to each running child; SIGKILL after the grace period. True when clean."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    clean = True
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            clean = False
        # uvicorn re-raises the signal it handled after a graceful shutdown.
        clean = clean and proc.returncode in (0, -signal.SIGTERM)
    return clean


class Command(BaseCommand):
    help = "Run Heartline: ASGI server (HTTP + websockets) and task worker, until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HEARTLINE_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("HEARTLINE_PORT", "8000"))
        )
        parser.add_argument("--no-demo", action="store_true", help="do not load demo data")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_demo"] and not User.objects.exists():
            self.stdout.write("Empty database: loading demo data …")
            call_command("seed_demo", customers=200)
        host, port = options["host"], str(options["port"])
        server_cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "heartline.asgi:application",
            "--host",
            host,
            "--port",
            port,
            "--no-access-log",
            "--lifespan",
            "on",
        ]
        worker_cmd = [sys.executable, str(Path(settings.PROJECT_DIR) / "manage.py"), "run_worker"]

        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        for sig in STOP_SIGNALS:
            signal.signal(sig, stop)
        procs = [_start(server_cmd), _start(worker_cmd)]
        self.stdout.write(
            self.style.SUCCESS(f"\nHeartline is running at http://{host}:{port}/\n")
            + f"Sign in as admin, manager, agent, sales, marketing or analyst "
            f"with the password {DEMO_PASSWORD}.\nPress Ctrl-C to stop.\n"
        )
        self.stdout.flush()
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.2)
        exited = [
            name
            for name, p in zip(("server", "worker"), procs, strict=True)
            if p.poll() is not None
        ]
        clean = _stop(procs)
        if not stopping:
            self.stderr.write(f"Heartline stopped: the {' and '.join(exited)} exited unexpectedly.")
            raise SystemExit(1)
        self.stdout.write("Heartline stopped." if clean else "Heartline stopped (forced).")
        if not clean:
            raise SystemExit(1)
