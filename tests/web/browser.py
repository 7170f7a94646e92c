"""Driving the desk in a real browser: what a person does, step by step."""

from __future__ import annotations

from playwright.sync_api import Page


def log_in(page: Page, username: str, password: str) -> None:
    """Open the desk and log in through the form, as a person does."""
    page.goto("/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
