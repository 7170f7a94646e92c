"""A real browser on the desk: the app served over real HTTP in a thread, driven by Debian's Chromium through
Playwright (``playwright install`` cannot download browsers here, so the system's Chromium is launched)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from tests.faults.processes import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session; the suite fails, never skips, when it is not installed."""
    if not shutil.which(CHROMIUM):
        pytest.fail("Chromium is not installed: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The app on a free loopback port, serving real HTTP until the test ends."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def page(browser: Browser, served: str) -> Iterator[Page]:
    """A fresh browser context (no cookies) on a phone-sized screen, with the served app as its base URL."""
    context = browser.new_context(base_url=served, viewport={"width": 412, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()
