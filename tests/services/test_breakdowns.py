"""De-identified breakdowns: exact counts per group, small groups and cells hidden."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.models import Client, Gender
from bot.services import breakdowns, reports
from tests.services.test_reports import BOTH, LAST_WEEK, NOW, TZ, H, Seed, ids


@pytest.fixture
def seed(session, case_manager):
    return Seed(session, case_manager)


@BOTH
def test_breakdown_by_language_hides_groups_under_five(session, seed, rt):
    arabic = [seed.client(language="ar") for _ in range(6)]
    somali = [seed.client(language="so") for _ in range(2)]
    swedish = [seed.client(language="sv") for _ in range(5)]
    for i, client in enumerate(arabic + somali + swedish):
        seed.ask(seed.enrollment(client), LAST_WEEK + i * H, "yes" if i % 2 else "no")
    session.commit()
    rows = breakdowns.breakdown(session, ids(*arabic, *somali, *swedish),
                             reports.weeks(NOW, TZ, 2), "language",
                             rt.flows, 2026)
    assert [(g.key, g.clients, sorted(g.hidden)) for g in rows] == [
        ("ar", 6, []), ("so", 2, ["all"]), ("sv", 5, ["all"])]  # sv hidden with so
    ar = rows[0]
    assert (ar.asked, ar.answered, ar.asked_clients) == (6, 6, 6)
    assert ar.checkins == {"yes": 3, "no": 3, "partly": 0, "talk": 0}
    assert ar.checkin_percent("yes") == 50


@BOTH
def test_breakdown_by_age_band_and_gender(session, seed, rt):
    young = [seed.client(birth_year=2003, gender=Gender.WOMAN) for _ in range(5)]  # 23
    older = [seed.client(birth_year=1970, gender=Gender.MAN) for _ in range(5)]  # 56
    unknown = [seed.client() for _ in range(5)]
    for client in young[:4] + older:
        seed.ask(seed.enrollment(client), LAST_WEEK, "yes")
    session.commit()
    args = (reports.weeks(NOW, TZ, 2), rt.flows, 2026)
    clients = ids(*young, *older, *unknown)
    by_age = breakdowns.breakdown(session, clients, args[0], "age", *args[1:])
    assert [(g.key, g.clients, g.checkin_clients, sorted(g.hidden)) for g in by_age] == [
        ("18-24", 5, 4, ["answered", "checkins"]),  # four answered: too few to show
        ("55+", 5, 5, ["answered", "checkins"]),  # else: the total minus 55+ tells
        (None, 5, 0, [])]
    by_gender = breakdowns.breakdown(session, clients, args[0], "gender", *args[1:])
    assert [(g.key, g.clients) for g in by_gender] == [("man", 5), ("woman", 5), (None, 5)]


def test_one_small_group_takes_the_next_smallest_with_it():
    assert breakdowns.hidden_indices([10, 3, 7, 8]) == {1, 2}
    assert breakdowns.hidden_indices([10, 3, 2, 8]) == {1, 2}
    assert breakdowns.hidden_indices([10, 0, 8]) == set()
    assert breakdowns.hidden_indices([3]) == {0}


def test_an_unknown_breakdown_is_refused(session):
    with pytest.raises(ValueError, match="unknown breakdown"):
        breakdowns.breakdown(session, sa.select(Client.id), reports.weeks(NOW, TZ, 1), "name",
                             {}, 2026)
