from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from heartline.worker.runner import LeasedWorker

T0 = datetime.datetime(2030, 1, 7, 9, 0, 0, tzinfo=datetime.UTC)


@pytest.fixture
def run_worker() -> Callable[..., LeasedWorker]:
    """Run an in-process worker in batch mode (no heartbeat thread, no scheduler)."""

    def run(**options: Any) -> LeasedWorker:
        options = {
            "queue_names": ["*"],
            "interval": 0,
            "batch": True,
            "worker_id": "test-worker",
            "heartbeat": False,
            "scheduler": False,
            **options,
        }
        worker = LeasedWorker(**options)
        worker.run()
        return worker

    return run
