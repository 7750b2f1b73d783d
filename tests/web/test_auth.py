"""Log-in, log-out, passwords, CSRF, rate limit and security headers."""

from __future__ import annotations

import sqlalchemy as sa

from bot.models import AuditEvent, Staff
from tests.web.conftest import PASSWORD, Browser


def actions(session) -> list[str]:
    session.expire_all()
    return list(session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_each_role_lands_on_its_own_start_page(as_):
    for who, home in (("sara", "/staff/"), ("nadia", "/review/"), ("admin", "/admin/")):
        assert as_(who).get("/").headers["Location"].endswith(home)


def test_wrong_password_and_unknown_email_look_the_same(browser, people, session):
    wrong = browser.login(people.sara.email, "not the password at all")
    unknown = browser.login("nobody@example.se", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        assert "Fel e-post eller lösenord." in response.get_data(as_text=True)
    assert browser.get("/staff/").status_code == 302  # still not logged in
    assert actions(session) == ["auth.login_failed"]


def test_login_redirects_only_to_paths_on_this_site(app, people):
    for target, expected in (("/staff/dashboard", "/staff/dashboard"),
                             ("https://evil.example/", "/staff/"), ("//evil.example", "/staff/")):
        b = Browser(app)
        response = b.client.post(f"/login?next={target}", data={
            "email": people.sara.email, "password": PASSWORD, "csrf_token": b.token()})
        assert response.headers["Location"] == expected


def test_a_deactivated_account_cannot_log_in_and_its_session_ends(as_, people, session):
    sara = as_("sara")
    assert sara.get("/staff/").status_code == 200
    people.sara.active = False
    session.commit()
    assert sara.get("/staff/").status_code == 302
    assert Browser(sara.client.application).login(people.sara.email).status_code == 401


def test_logout_needs_a_post_with_a_token(as_):
    sara = as_("sara")
    assert sara.get("/logout").status_code == 405
    assert sara.client.post("/logout").status_code == 400  # no CSRF token
    assert sara.post("/logout", token_from="/staff/").status_code == 302
    assert sara.get("/staff/").status_code == 302


def test_forms_without_a_csrf_token_are_refused(browser, people):
    response = browser.client.post("/login", data={"email": people.sara.email,
                                                   "password": PASSWORD})
    assert response.status_code == 400


def test_changing_the_password_ends_other_sessions(app, as_, people, session):
    desk, laptop = as_("sara"), as_("sara")
    new = "a new and longer pass phrase"
    response = desk.post("/account", {"current": PASSWORD, "new": new, "repeat": new},
                         token_from="/account")
    assert response.status_code == 302
    assert desk.get("/staff/").status_code == 200  # this session follows the new password
    assert laptop.get("/staff/").status_code == 302  # the other one is logged out
    assert Browser(app).login(people.sara.email, new).status_code == 302
    assert "auth.password_changed" in actions(session)


def test_password_change_explains_what_is_wrong(as_):
    sara = as_("sara")
    for data, message in (
        ({"current": "wrong one entirely", "new": "x" * 20, "repeat": "x" * 20}, "Fel lösenord."),
        ({"current": PASSWORD, "new": "short", "repeat": "short"}, "at least 12 characters"),
        ({"current": PASSWORD, "new": "long enough words", "repeat": "other words here"},
         "Lösenorden är inte lika."),
    ):
        response = sara.post("/account", data, token_from="/account")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_login_is_rate_limited_per_account(browser, people):
    codes = [browser.login(people.ali.email, "guessing wrong again").status_code
             for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    # Even the right password waits until the window has passed.
    assert browser.login(people.ali.email).status_code == 429


def test_staff_pages_send_security_headers(as_):
    response = as_("sara").get("/staff/")
    headers = response.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    cookie = as_("sara").login(Staff.__name__).headers.get("Set-Cookie", "")
    assert cookie == "" or "HttpOnly" in cookie


def test_session_cookie_is_httponly_and_lax(browser, people):
    response = browser.login(people.sara.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_app_speaks_english_when_asked(as_, people, session):
    sara = as_("sara")
    assert "Klienter" in sara.get("/staff/").get_data(as_text=True)
    sara.post("/account/language", {"language": "en", "back": "/staff/"}, token_from="/account")
    page = sara.get("/staff/").get_data(as_text=True)
    assert "Clients" in page and 'lang="en"' in page
    session.expire_all()
    assert session.get(Staff, people.sara.id).ui_language == "en"


def test_login_and_logout_are_audited(as_, session):
    sara = as_("sara")
    sara.post("/logout", token_from="/staff/")
    assert actions(session) == ["auth.login", "auth.logout"]


def test_the_login_limit_is_shared_through_redis_between_web_processes(database_url, people):
    """Two app instances (two web processes) count the same account's failures together."""
    import os
    import uuid

    import pytest
    import redis

    from tests.conftest import make_app

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    first, second = (Browser(make_app(database_url, KNUFF_RATELIMIT_STORAGE_URI=url))
                     for _ in range(2))
    email = f"{uuid.uuid4().hex}@example.se"  # fresh per run: the counts live in Redis
    codes = [(first if n % 2 else second).login(email, "wrong guess each time").status_code
             for n in range(6)]
    assert codes == [401] * 5 + [429]
