"""Browser steps of the leads area, reusable by the end-to-end sales path (lead → deal on the
board → quote → order): a visitor's site embedding the capture form from another origin, the
visitor sending it, a salesperson converting the lead."""

from __future__ import annotations

import html
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# 127.0.0.2 is loopback too, but another origin than the app's 127.0.0.1.
VISITOR_HOST = "127.0.0.2"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def write_shop_page(directory: Path, app_base: str, form_key: str, lang: str = "en") -> None:
    """A shop's page embedding the capture form with THE snippet of docs/leads.md; the form
    speaks the page's language ``lang``, and so does the lead it captures."""
    page = (
        f'<!DOCTYPE html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        '<link rel="icon" href="data:,"><title>ACME Tea Shop</title></head><body>'
        "<h1>ACME Tea Shop</h1><p>Ask us for a quote:</p>"
        f'<script src="{html.escape(app_base)}/static/heartline/leadform.js" '
        f'data-form="{html.escape(form_key)}" async></script>'
        "</body></html>"
    )
    (directory / "index.html").write_text(page, encoding="utf-8")


@contextmanager
def visitor_site(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on another origin than the app's; yields that origin (which the
    capture form must allow)."""
    port = _free_port(VISITOR_HOST)
    server = ThreadingHTTPServer(
        (VISITOR_HOST, port), partial(_QuietHandler, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{VISITOR_HOST}:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def submit_embedded_form(page: Any, site: str, values: dict[str, str], consents: list[str]) -> str:
    """As a visitor: open the shop, fill the embedded form, tick ``consents`` (purposes), send.
    Returns the thank-you text."""
    page.goto(f"{site}/")
    form = page.locator("[data-testid=heartline-form]")
    form.wait_for()
    for name, value in values.items():
        form.locator(f"[name={name}]").fill(value)
    for purpose in consents:
        form.locator(f"[name=consent_{purpose}]").check()
    page.wait_for_timeout(1100)  # a person takes a moment (the token's minimum age)
    form.locator("button[type=submit]").click()
    thanks = page.locator("[data-testid=heartline-thanks]")
    thanks.wait_for()
    return str(thanks.inner_text())


def open_lead_from_list(page: Any, base: str, name: str) -> int:
    """As staff: Leads in the navigation, then the lead called ``name``; returns its id."""
    page.click("#main-nav a[data-nav=leads]")
    page.wait_for_url(f"{base}/leads/")
    row = page.locator("[data-testid=lead-list] tbody tr", has_text=name)
    lead_id = int(row.get_attribute("data-lead-id"))
    row.locator("a").first.click()
    page.wait_for_url(f"{base}/leads/{lead_id}/")
    return lead_id


def convert_lead(
    page: Any, *, pipeline_label: str, stage_label: str, title: str, amount: str
) -> None:
    """As a salesperson on the lead page: qualify and convert into a customer and a deal."""
    box = page.locator("[data-testid=lead-convert]")
    box.locator("select[name=pipeline]").select_option(label=pipeline_label)
    box.locator("select[name=stage]").select_option(label=stage_label)
    box.locator("input[name=deal_title]").fill(title)
    box.locator("input[name=amount]").fill(amount)
    box.locator("[data-testid=convert-submit]").click()
    page.locator("[data-testid=lead-links] [data-testid=lead-deal]").wait_for()
