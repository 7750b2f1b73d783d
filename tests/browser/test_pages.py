"""Every main page loads in chromium for its role, with no script or CSP error, and no role
reaches another role's pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot

pytestmark = pytest.mark.slow

PAGES = {
    "sara": [("/staff/", "client-list"), ("/staff/clients/new", "client-form"),
             ("/staff/alerts", "alerts"), ("/staff/dashboard", "dashboard"),
             ("/account", "account")],
    "nadia": [("/review/", "review-languages"), ("/review/ar/", "review-language-ar"),
              ("/review/ar/activity_checkin/", "review-flow-ar")],
    "admin": [("/admin/", "admin-audit"), ("/admin/staff", "admin-staff"),
              ("/staff/", "admin-client-list"), ("/review/", "admin-review")],
}
REFUSED = {
    "sara": ["/review/", "/review/ar/", "/admin/", "/admin/staff"],
    "nadia": ["/staff/", "/staff/clients/new", "/staff/alerts", "/staff/dashboard",
              "/admin/", "/admin/staff"],
}


@pytest.mark.parametrize("who", sorted(PAGES))
def test_each_main_page_loads_for_its_role(as_, who):
    page = as_(who)
    for path, name in PAGES[who]:
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{who} GET {path}"
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        shot(page, f"page-{who}-{name}")


@pytest.mark.parametrize("who", sorted(REFUSED))
def test_no_role_reaches_another_roles_pages(as_, who):
    page = as_(who)
    for path in REFUSED[who]:
        response = page.goto(path)
        assert response is not None and response.status == 403, f"{who} GET {path}"
    if who == "nadia":
        shot(page, "page-nadia-refused-staff")


def test_only_the_pages_of_ones_role_are_in_the_menu(as_):
    menu = {who: as_(who) for who in ("sara", "nadia")}
    for page in menu.values():
        page.goto("/account")
    nav = {who: page.get_by_role("navigation", name="Huvudmeny") for who, page in menu.items()}
    expect(nav["sara"].get_by_role("link", name="Klienter")).to_be_visible()
    expect(nav["sara"].get_by_role("link", name="Översättningar")).to_have_count(0)
    expect(nav["nadia"].get_by_role("link", name="Översättningar")).to_be_visible()
    expect(nav["nadia"].get_by_role("link", name="Klienter")).to_have_count(0)
    expect(nav["nadia"].get_by_role("link", name="Administration")).to_have_count(0)


def test_the_app_speaks_english_when_asked_and_remembers_it(as_):
    page = as_("eva")  # the scenario does not use Eva's pages, so her choice stays hers
    page.goto("/staff/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Clients", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/staff/clients/new")
    expect(page.get_by_role("heading", name="Register a client")).to_be_visible()
    shot(page, "page-eva-client-form-en")
    page.get_by_role("button", name="Svenska").click()
    expect(page.get_by_role("heading", name="Registrera klient")).to_be_visible()
