"""R21.1 (等保): `xueji serve` in production refuses to start on a deployment-check warning unless
it is accepted with a reason, which is printed at start; one of the checks is ours: the application's
database role must not be able to change the audit log, and `xueji dbgrant` gives it only what it needs."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from xueji.audit.checks import audit_role_check
from xueji.audit.models import AuditEvent
from xueji.core.management.commands.serve import check_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.ENV = "production"
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["xueji.example.cn"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 365 * 86400
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECRET_KEY = "a-long-random-production-key-" + "x" * 40
    return settings


def _ids(problems: list[str]) -> set[str]:
    return {problem.split("：", 1)[0] for problem in problems}


def test_a_weak_setting_stops_the_start_and_says_how_to_accept_it(production):
    production.SECURE_HSTS_SECONDS = 0
    production.ACCEPTED_CHECKS = {}
    problems, accepted = check_problems()
    assert "security.W004" in _ids(problems) and not accepted
    said = next(p for p in problems if p.startswith("security.W004"))
    assert 'XUEJI_ACCEPTED_CHECKS="security.W004=理由"' in said


def test_an_accepted_warning_is_printed_with_its_reason(production):
    production.SECURE_HSTS_SECONDS = 0
    production.ACCEPTED_CHECKS = {**production.ACCEPTED_CHECKS, "security.W004": "内网试运行，尚无证书"}
    problems, accepted = check_problems()
    assert "security.W004" not in _ids(problems)
    assert "security.W004（内网试运行，尚无证书）" in accepted


def test_the_products_defaults_leave_nothing_but_the_database_role(production):
    problems, accepted = check_problems()
    # The suite's PostgreSQL role owns the tables: exactly what xueji.W001 is for.
    assert _ids(problems) == ({"xueji.W001"} if connection.vendor == "postgresql" else set())
    assert any(item.startswith("security.W005") for item in accepted)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_r21_1_the_granted_application_role_can_append_but_not_change_the_audit_log(world):
    assert [w.id for w in audit_role_check()] == ["xueji.W001"]  # the owner could
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE xueji_test_app NOLOGIN")  # rolled back with the test
    out = io.StringIO()
    call_command("dbgrant", "xueji_test_app", stdout=out)
    assert "只能查询和追加" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE xueji_test_app")
    try:
        assert audit_role_check() == []
        event = AuditEvent.objects.create(action="student.view", subject_type="Student", subject_id="1")
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(note="改过")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_dbgrant_needs_postgresql_and_an_existing_role():
    with pytest.raises(CommandError):
        call_command("dbgrant", "nobody_here_" + "x" * 5)
