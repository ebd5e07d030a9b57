"""Named personas in a small district world (two districts, three schools), on the real database."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client

from xueji.org.models import (
    GradeCapacity,
    Jurisdiction,
    RegistrarFiling,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Semester,
    User,
)

PASSWORD = "Xueji-test-2026!"


@pytest.fixture(autouse=True)
def fixed_today(settings):
    """Rules read "today" from one clock; tests start inside the 2026 autumn semester."""
    settings.XUEJI_FIXED_TODAY = "2026-09-10"
    return settings


@pytest.fixture(autouse=True)
def fresh_policy_cache():
    """A district's limits are cached per process (org.policy); each test has its own database."""
    from xueji.org import policy

    policy._CACHE.clear()
    yield
    policy._CACHE.clear()


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    return settings.EVIDENCE_DIR


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    """Uploaded workbooks and reports per test: job numbers repeat across test databases."""
    settings.IMPORT_DIR = tmp_path / "imports"
    return settings.IMPORT_DIR


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    return settings.EXPORT_DIR


def _user(username: str, role: str, *, school=None, jurisdiction=None, full_name: str = "") -> User:
    user = User(
        username=username,
        role=role,
        school=school,
        jurisdiction=jurisdiction,
        full_name=full_name or username,
    )
    user.set_password(PASSWORD)
    user.save()
    on_file(user)
    return user


def clear_audit() -> None:
    """Empty the audit table, for a test that counts the events its call writes. The table is
    append-only on PostgreSQL (audit 0005): the test database's owner turns the trigger off for
    this one statement, inside the test's own transaction."""
    from django.db import connection

    from xueji.audit.models import AuditEvent

    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            # The rows written so far have deferred foreign-key checks pending; ALTER TABLE waits
            # for none, so they are checked now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        AuditEvent.objects.all().delete()
        if postgres:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def on_file(user: User) -> None:
    """R19.1: a registrar made for a test is filed and trained, as the demo's are."""
    if user.role == Role.REGISTRAR:
        RegistrarFiling.objects.filter(user=user, state=RegistrarFiling.State.ACTIVE).update(
            state=RegistrarFiling.State.ENDED, ended_on=dt.date(2026, 9, 1)
        )
        RegistrarFiling.objects.create(
            school=user.school,
            user=user,
            state=RegistrarFiling.State.ACTIVE,
            full_name=user.full_name,
            trained_on=dt.date(2025, 8, 1),
            started_on=dt.date(2025, 8, 1),
        )


@pytest.fixture
def world(db):
    """Henan › Anyang › 北关区 (two schools) and 文峰区 (one school), 2025 and 2026 school years."""
    henan = Jurisdiction.objects.create(code="410000", name="河南省", level="province")
    anyang = Jurisdiction.objects.create(code="410500", name="安阳市", level="city", parent=henan)
    beiguan = Jurisdiction.objects.create(code="410503", name="北关区", level="district", parent=anyang)
    wenfeng = Jurisdiction.objects.create(code="410502", name="文峰区", level="district", parent=anyang)
    school_a = School.objects.create(
        code="4105030001", name="北关区红旗路小学", district=beiguan, kind="primary", grade_from=1, grade_to=6
    )
    school_b = School.objects.create(
        code="4105030002", name="北关区第一中学", district=beiguan, kind="junior", grade_from=7, grade_to=9
    )
    school_c = School.objects.create(
        code="4105020001", name="文峰区东关小学", district=wenfeng, kind="primary", grade_from=1, grade_to=6
    )
    for school in (school_a, school_b, school_c):
        for grade in school.grades:
            GradeCapacity.objects.create(school=school, grade=grade, classes=2, seats_per_class=45)
    years = {}
    for start_year in (2025, 2026):
        year = SchoolYear.objects.create(
            start_year=start_year, start=dt.date(start_year, 8, 20), end=dt.date(start_year + 1, 8, 19)
        )
        Semester.objects.create(
            school_year=year,
            term="autumn",
            start=dt.date(start_year, 9, 1),
            end=dt.date(start_year + 1, 1, 20),
            teaching_weeks=20,
            teaching_hours=600,
        )
        Semester.objects.create(
            school_year=year,
            term="spring",
            start=dt.date(start_year + 1, 2, 24),
            end=dt.date(start_year + 1, 7, 5),
            teaching_weeks=19,
            teaching_hours=570,
        )
        years[start_year] = year
    class_a1 = SchoolClass.objects.create(school=school_a, school_year=years[2026], grade=1, number=1)
    class_c1 = SchoolClass.objects.create(school=school_c, school_year=years[2026], grade=1, number=1)
    return SimpleNamespace(
        henan=henan,
        anyang=anyang,
        beiguan=beiguan,
        wenfeng=wenfeng,
        school_a=school_a,
        school_b=school_b,
        school_c=school_c,
        year=years[2026],
        class_a1=class_a1,
        class_c1=class_c1,
        registrar_a=_user("reg_a", Role.REGISTRAR, school=school_a, full_name="张老师"),
        approver_a=_user("appr_a", Role.SCHOOL_APPROVER, school=school_a, full_name="李校长"),
        registrar_b=_user("reg_b", Role.REGISTRAR, school=school_b, full_name="赵老师"),
        registrar_c=_user("reg_c", Role.REGISTRAR, school=school_c, full_name="孙老师"),
        officer=_user("officer_bg", Role.DISTRICT_OFFICER, jurisdiction=beiguan, full_name="周科长"),
        officer_wf=_user("officer_wf", Role.DISTRICT_OFFICER, jurisdiction=wenfeng, full_name="吴科长"),
        admin=_user("admin_bg", Role.DISTRICT_ADMIN, jurisdiction=beiguan, full_name="郑管理员"),
        security=_user("security_bg", Role.SECURITY_ADMIN, jurisdiction=beiguan, full_name="冯安全"),
        auditor=_user("auditor_bg", Role.AUDITOR, jurisdiction=beiguan, full_name="钱审计"),
    )


def login(user: User) -> Client:
    """A client signed in as ``user``, with the second factor given where the account needs one."""
    client = Client()
    client.force_login(user)
    give_second_factor(client, user)
    return client


def give_second_factor(client: Client, user: User) -> None:
    """Mark the client's session as having given the second factor (R21.1), as the 两步验证 page
    does after a right code; accounts that need none are left as they are."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from xueji.org import second_factor

    if not second_factor.required(user):
        return
    device = second_factor.confirmed_device(user) or TOTPDevice.objects.create(
        user=user, name="测试验证器", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def totp_now(user: User) -> str:
    """The code the account's authenticator app shows now."""
    from django_otp.oath import TOTP

    from xueji.org import second_factor

    device = second_factor.confirmed_device(user)
    assert device is not None
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


@pytest.fixture
def client_for():
    return login


def said(rule: str) -> str:
    """How a page cites a rule to a person: its article in words (R10.5 → 第十条)."""
    from xueji.core.articles import articles

    return articles([rule])
