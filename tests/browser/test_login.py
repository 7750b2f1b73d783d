"""Logging in and out in a real browser, and each role landing on its own start page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, shot

pytestmark = pytest.mark.slow


def test_a_page_asks_for_log_in_then_takes_the_case_manager_there(as_):
    page = as_()
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/login\?next=/staff/$"))
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    shot(page, "01-login")

    log_in(page, "sara", password="inte rätt lösenord")
    expect(page.get_by_role("alert")).to_have_text("Fel e-post eller lösenord.")
    expect(page).to_have_url(re.compile(r"/login"))

    page.get_by_label("Lösenord").fill("rätt häst batteri 42")
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.get_by_role("link", name="Sara")).to_be_visible()

    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("status")).to_have_text("Du är utloggad.")
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/login"))


@pytest.mark.parametrize(("who", "home"), [
    ("sara", "/staff/"), ("nadia", "/review/"), ("admin", "/admin/")])
def test_each_role_starts_on_its_own_page(as_, who, home):
    page = as_(who)
    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(home) + "$"))
