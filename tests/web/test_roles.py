"""Role × route: every staff, review and admin URL, for every role, allowed or refused.

The table is built from the app's URL map, so a route added later is covered without
touching this file. Allowed means "not refused": the page may still answer 404 for an id
that does not exist, or 400 for an empty form, but never 403 and never a server error.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from bot.models import Role
from tests.web.conftest import Browser

ALLOWED = {
    "staff": {Role.CASE_MANAGER, Role.ADMIN},
    "review": {Role.INTERPRETER, Role.ADMIN},
    "admin": {Role.ADMIN},
}
WHO = {Role.ADMIN: "admin", Role.CASE_MANAGER: "sara", Role.INTERPRETER: "nadia"}

def _url(rule: Rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__.replace("Converter", "").lower()
        if kind == "any":
            values[name] = sorted(converter.items)[0] if hasattr(converter, "items") else "x"
        elif kind in ("integer", "int"):
            values[name] = 1
        elif name in ("flow", "flow_id"):
            values[name] = "activity_checkin"
        else:
            values[name] = "ar"
    return rule.build(values, append_unknown=False)[1]


def staff_routes(app) -> list[tuple[str, str, str]]:
    """(blueprint, method, url) for every guarded route."""
    routes = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint not in ALLOWED:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((blueprint, method, _url(rule)))
    return routes


def test_the_table_covers_every_blueprint(app):
    blueprints = {b for b, _, _ in staff_routes(app)}
    assert blueprints == set(ALLOWED)


def test_anonymous_visitors_are_sent_to_log_in(app, people):
    browser = Browser(app)
    for _blueprint, method, url in staff_routes(app):
        if method == "GET":
            response = browser.get(url)
        else:
            response = browser.post(url, {})
        assert response.status_code == 302, (method, url, response.status_code)
        assert "/login" in response.headers["Location"], (method, url)


@pytest.mark.parametrize("role", list(Role))
def test_role_by_route(app, as_, role):
    browser = as_(WHO[role])
    refused, allowed = [], []
    for blueprint, method, url in staff_routes(app):
        response = browser.get(url) if method == "GET" else browser.post(url, {},
                                                                          token_from="/account")
        code = response.status_code
        assert code < 500, (role, method, url, code)
        (allowed if role in ALLOWED[blueprint] else refused).append((method, url, code))
    assert all(code == 403 for _, _, code in refused), [r for r in refused if r[2] != 403]
    assert all(code != 403 for _, _, code in allowed), [a for a in allowed if a[2] == 403]
    assert allowed  # every role has something to do


def test_visibility_by_role_and_team(app, make_client, people, session):
    from bot.web.security import visible_clients

    own = make_client("Own", case_manager_id=people.sara.id)
    team = make_client("Team", case_manager_id=people.ali.id)
    other = make_client("Other", case_manager_id=people.eva.id)
    nobody = make_client("Nobody", case_manager_id=None)
    everyone = {own.id, team.id, other.id, nobody.id}

    def ids(staff) -> set[int]:
        return {c.id for c in session.scalars(visible_clients(staff))}

    assert ids(people.sara) == ids(people.ali) == {own.id, team.id}
    assert ids(people.eva) == {other.id}
    assert ids(people.admin) == everyone
    assert ids(people.nadia) == set()
    people.sara.team = None  # without a team: only her own
    assert ids(people.sara) == {own.id}
