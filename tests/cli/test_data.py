"""Operator commands: clear errors, nothing half-done, audit rows for every change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.models import AuditEvent, Client, Enrollment, Fire, Staff, SwedishLevel


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def clients(session) -> list[Client]:
    session.expire_all()
    return session.scalars(sa.select(Client).order_by(Client.id)).all()


def test_clients_add_stores_e164_and_audits(runner, session, case_manager):
    result = runner.invoke(args=["clients", "add", "--phone", "070-174 06 05", "--name", "Amina",
                                 "--language", "ar", "--swedish-level", "3",
                                 "--case-manager", "SARA@example.se"])
    assert result.exit_code == 0, result.output
    [amina] = clients(session)
    assert (amina.phone, amina.language, amina.swedish_level, amina.case_manager_id) == (
        "+46701740605", "ar", SwedishLevel.INTERPRETER, case_manager.id)
    audit = session.scalar(sa.select(AuditEvent))
    assert (audit.actor, audit.action, audit.target) == ("cli", "client.add", f"client:{amina.id}")


@pytest.mark.parametrize("args, message", [
    (["--phone", "08-123 456 78"], "is not a mobile number"),
    (["--phone", "070-12"], "is not a valid phone number"),
    (["--phone", "hello"], "is not a phone number"),
    (["--language", "xx"], "unknown language 'xx'"),
    (["--swedish-level", "7"], "Swedish level '7' is not one of"),
    (["--case-manager", "nobody@example.se"], "no case manager with e-mail"),
])
def test_clients_add_rejects_bad_input_clearly(runner, session, args, message):
    base = {"--phone": "0701740605", "--name": "Amina"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    result = runner.invoke(args=["clients", "add", *sum(base.items(), ())])
    assert result.exit_code == 1
    assert message in result.output
    assert clients(session) == []


def test_clients_add_refuses_a_number_twice(runner, session):
    args = ["clients", "add", "--phone", "0701740605", "--name", "Amina"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=[*args[:-1], "Other"])
    assert result.exit_code == 1 and "already registered" in result.output


def test_a_client_can_be_added_without_a_case_manager(runner, session):
    assert runner.invoke(args=["clients", "add", "--phone", "0701740605",
                               "--name", "Amina"]).exit_code == 0
    assert clients(session)[0].case_manager_id is None


def test_import_validates_every_row_first_and_imports_nothing_on_error(runner, session,
                                                                        tmp_path, case_manager):
    csv = tmp_path / "clients.csv"
    csv.write_text(
        "phone,first_name,language,swedish_level,case_manager\n"
        "070-174 06 05,Amina,ar,3,sara@example.se\n"
        "08-123 456 78,Johan,sv,1,\n"
        "070-174 06 07,,so,2,\n"
        "070-174 06 05,Hodan,so,2,\n", encoding="utf-8")
    result = runner.invoke(args=["clients", "import", str(csv)])
    assert result.exit_code == 1
    assert "nothing imported" in result.output
    assert "line 3: '08-123 456 78' is not a mobile number" in result.output
    assert "line 4: first name is empty" in result.output
    assert "line 5: same phone number as line 2" in result.output
    assert clients(session) == []


def test_import_takes_a_good_file_whole(runner, session, tmp_path, case_manager):
    csv = tmp_path / "clients.csv"
    csv.write_text("\ufeffphone,first_name,language,swedish_level,case_manager\n"
                   "070-174 06 05,Amina,ar,interpreter,sara@example.se\n"
                   "+46 70 174 06 06,Юлія,uk,easy,\n", encoding="utf-8")
    result = runner.invoke(args=["clients", "import", str(csv)])
    assert result.exit_code == 0, result.output
    assert [(c.first_name, c.language) for c in clients(session)] == [("Amina", "ar"),
                                                                      ("Юлія", "uk")]


def test_import_names_a_missing_column(runner, tmp_path):
    csv = tmp_path / "clients.csv"
    csv.write_text("telefon,namn\n0701740605,Amina\n", encoding="utf-8")
    result = runner.invoke(args=["clients", "import", str(csv)])
    assert result.exit_code == 1 and "line 1: missing column(s) phone, first_name" in result.output


def test_import_refuses_a_file_that_is_not_utf8(runner, tmp_path):
    csv = tmp_path / "clients.csv"
    csv.write_bytes("phone,first_name\n0701740605,Åsa\n".encode("latin-1"))
    result = runner.invoke(args=["clients", "import", str(csv)])
    assert result.exit_code == 1 and "not UTF-8" in result.output


def test_enrol_schedules_at_a_local_time(runner, session, make_client):
    client = make_client()
    result = runner.invoke(args=["enrol", "070-174 06 05", "activity_checkin",
                                 "--at", "2026-12-01T15:00"])
    assert result.exit_code == 0, result.output
    assert "starts 2026-12-01 15:00 CET" in result.output
    fire = session.scalar(sa.select(Fire))
    assert fire.due_at.isoformat() == "2026-12-01T14:00:00+00:00"
    assert session.scalar(sa.select(Enrollment)).client_id == client.id


@pytest.mark.parametrize("args, message", [
    (["0701740699", "activity_checkin"], "no client with that phone number"),
    (["0701740605", "nope"], "unknown flow 'nope'"),
    (["0701740605", "activity_checkin", "--at", "2026-03-29T02:30"], "does not exist"),
    (["0701740605", "meeting_reminder"], "needs --param meeting_at"),
    (["0701740605", "meeting_reminder", "--param", "meeting_at"], "write it as NAME=VALUE"),
])
def test_enrol_errors_say_what_to_fix(runner, session, make_client, args, message):
    make_client()
    result = runner.invoke(args=["enrol", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 0


def test_create_staff_and_refuse_duplicates(runner, session):
    args = ["create-staff", "--email", "Ali@Example.se", "--name", "Ali", "--role",
            "case_manager", "--password", "a long pass phrase"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 1 and "already exists" in again.output
    staff = session.scalar(sa.select(Staff))
    assert staff.email == "ali@example.se"
    assert staff.password_hash.startswith("$argon2id$")
    assert "a long pass phrase" not in staff.password_hash


def test_create_staff_asks_for_the_password_twice_and_refuses_a_weak_one(runner, session):
    args = ["create-staff", "--email", "nadia@example.se", "--name", "Nadia", "--role",
            "interpreter"]
    weak = runner.invoke(args=args, input="short\nshort\n")
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    assert session.scalar(sa.select(Staff.id)) is None
    ok = runner.invoke(args=args, input="tolkar texter varje dag\ntolkar texter varje dag\n")
    assert ok.exit_code == 0, ok.output
    assert session.scalar(sa.select(Staff.role)).value == "interpreter"


def test_seed_demo_twice_does_not_duplicate(runner, session):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = (len(clients(session)), session.scalar(sa.select(sa.func.count()).select_from(Fire)))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert (len(clients(session)),
            session.scalar(sa.select(sa.func.count()).select_from(Fire))) == first
    assert first[0] == 6


@pytest.mark.parametrize("args", [
    ["clients", "add", "--phone", "0701740605", "--name", "Amina"],
    ["enrol", "0701740605", "activity_checkin"],
    ["seed-demo"],
    ["translations", "status"],
])
def test_commands_on_a_database_that_was_never_migrated_say_what_to_run(tmp_path, args):
    from bot import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/new.sqlite3",
                      "SECRET_KEY": "test"})
    try:
        result = app.test_cli_runner().invoke(args=args)
    finally:
        app.extensions["knuff.engine"].dispose()
    assert result.exit_code == 1
    assert "is at no revision" in result.output
    assert "run `flask --app bot db upgrade`" in result.output
