"""`make run`: migrate, load demo data into an empty database, run the server and the worker."""

from __future__ import annotations

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
            call_command("seed_demo")
        manage = str(Path(settings.PROJECT_DIR) / "manage.py")
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
        worker_cmd = [sys.executable, manage, "run_worker"]
        procs = [subprocess.Popen(server_cmd), subprocess.Popen(worker_cmd)]  # noqa: S603
        self.stdout.write(
            self.style.SUCCESS(f"\nHeartline is running at http://{host}:{port}/\n")
            + f"Sign in as admin, manager, agent, sales, marketing or analyst "
            f"with the password {DEMO_PASSWORD}.\nPress Ctrl-C to stop.\n"
        )
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.2)
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        failed = [p.args for p in procs if p.returncode not in (0, -signal.SIGTERM, 1)]
        self.stdout.write("Heartline stopped.")
        if failed and not stopping:
            raise SystemExit(1)
