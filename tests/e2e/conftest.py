"""Browser tests: Playwright on Debian's Chromium against the real ASGI app served by uvicorn.

The app runs in a thread of the test process (so it shares the test database), with websockets,
exactly as ``make run`` serves it. Any console error, page error or CSP violation fails a test.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 820, "height": 1180}


@pytest.fixture(autouse=True, scope="module")
def _orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API runs an event loop in this thread; the ORM calls of these tests
    are still safe. Allowed for the browser tests only, and taken back after them, so that
    no other test (nor a subprocess it starts) inherits the switch."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def off_loop(function: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Run a write in another thread: Playwright's event loop in this one stops on_commit
    hooks from pushing live events (``async_to_sync`` refuses to run beside a loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def asgi_server(transactional_db) -> Iterator[str]:  # type: ignore[no-untyped-def]
    import uvicorn

    from heartline.asgi import application

    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, lifespan="on", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")  # not longer: its event loop blocks async_to_sync
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageErrors:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def console(self, message: Any) -> None:
        if message.type in {"error", "warning"} or "Content Security Policy" in message.text:
            self.errors.append(f"console {message.type}: {message.text}")

    def page_error(self, error: Any) -> None:
        self.errors.append(f"page error: {error}")


@pytest.fixture
def open_page(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    contexts: list[Any] = []
    watchers: list[PageErrors] = []

    def make(viewport: dict[str, int] = LAPTOP) -> Any:
        context = browser.new_context(viewport=viewport, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        watcher = PageErrors()
        watchers.append(watcher)
        page.on("console", watcher.console)
        page.on("pageerror", watcher.page_error)
        return page

    yield make
    for context in contexts:
        context.close()
    problems = [error for watcher in watchers for error in watcher.errors]
    assert problems == []
