"""The demo district: seeded through the services, valid by every rule, seeded once (R2.1–R24.1).

One small seed (120 students) for the whole module: the seed is what is under test, and reading
it many times is cheap. These tests never use the ``world`` fixture, whose 北关区 would make the
seed believe it had already run.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.db.models import Count
from django.test import RequestFactory

from xueji.audit.models import AuditEvent
from xueji.core.identity import parse_resident_id, validate_xjh
from xueji.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from xueji.demo.district import SCHOOLS, birth_range
from xueji.demo.people import People, Profile, registers
from xueji.demo.seed import SCENARIOS, seed_demo
from xueji.org.models import (
    GradeCapacity,
    Jurisdiction,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Semester,
    User,
)
from xueji.students import rules
from xueji.students.models import Enrollment, EntryApplication, FamilyMember, Student
from xueji.students.selectors import todo_overdue_records

N = 120
pytestmark = pytest.mark.django_db  # also tells pytest-django to create the test database


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once per module inside a transaction that is rolled back at the end."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with pytest.MonkeyPatch.context() as mp:
                from django.conf import settings

                mp.setattr(settings, "XUEJI_FIXED_TODAY", "2026-09-10")
                report = seed_demo(students=N)
            yield report
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(seeded):
    return seeded


def _current():
    # The demo's completed transfer arrives unplaced (待分班, R10.10) with the completion day as its
    # entry date, and its resumed student waits for a class again (R12.5); tests/demo/test_transfers.py
    # and test_suspensions.py cover them, the seed's own students are checked here.
    return (
        Enrollment.objects.filter(is_current=True)
        .exclude(origin=Enrollment.Origin.TRANSFER)
        .exclude(placement_due=True)
        .select_related("student", "school", "school_class")
    )


def test_r2_1_seed_creates_the_demo_district(demo):
    assert demo.seeded and demo.students == N
    beiguan = Jurisdiction.objects.get(code="410503")
    assert (beiguan.name, beiguan.parent.code, beiguan.parent.parent.code) == ("北关区", "410500", "410000")
    assert Jurisdiction.objects.get(code="410502").parent.code == "410500"
    schools = School.objects.select_related("district")
    assert schools.count() >= 12
    assert {s.kind for s in schools} == {"primary", "junior", "nine_year", "special"}
    assert {s.district.code for s in schools} == {"410503", "410502"}
    assert all(len(s.code) == 10 and s.code.isdigit() and s.address for s in schools)
    for school in schools:
        capacities = {c.grade: c for c in GradeCapacity.objects.filter(school=school)}
        assert set(capacities) == set(school.grades)
    assert set(SchoolYear.objects.values_list("start_year", flat=True)) == {2025, 2026}
    autumn = Semester.objects.get(school_year__start_year=2026, term="autumn")
    assert (autumn.start, autumn.end, autumn.teaching_weeks) == (
        dt.date(2026, 9, 1),
        dt.date(2027, 1, 22),
        20,
    )
    spring = Semester.objects.get(school_year__start_year=2025, term="spring")
    assert (spring.start, spring.end) == (dt.date(2026, 2, 24), dt.date(2026, 7, 3))
    per_grade = SchoolClass.objects.filter(school_year__start_year=2026).values(
        "school__kind", "school", "grade"
    )
    counts = per_grade.annotate(n=Count("pk"))
    assert all(2 <= row["n"] <= 4 for row in counts if row["school__kind"] != "special")
    assert all(c.head_teacher for c in SchoolClass.objects.all())


def test_r2_2_every_role_has_a_demo_login(demo):
    for account in DEMO_ACCOUNTS:
        user = authenticate(
            RequestFactory().post("/login/"), username=account.username, password=DEMO_PASSWORD
        )
        assert user is not None, account.username
        assert user.full_name == account.full_name
    assert User.objects.get(username="admin").is_superuser
    roles = Counter(User.objects.exclude(role="").values_list("role", flat=True))
    assert set(roles) == set(Role.values)
    beiguan_schools_with_both = {
        school
        for school in School.objects.filter(district__code="410503")
        if {u.role for u in User.objects.filter(school=school)} >= {Role.REGISTRAR, Role.SCHOOL_APPROVER}
    }
    assert len(beiguan_schools_with_both) >= 2
    assert User.objects.filter(role=Role.REGISTRAR, school__district__code="410502").exists()
    assert User.objects.filter(role=Role.DISTRICT_OFFICER, jurisdiction__code="410502").exists()
    for role in (Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN, Role.AUDITOR):
        assert User.objects.filter(role=role, jurisdiction__code="410503").exists()
    # Every school has its own registrar: only they may register the school's students.
    assert all(User.objects.filter(role=Role.REGISTRAR, school=s).exists() for s in School.objects.all())


def test_r6_3_every_id_number_is_valid_unique_and_matches(demo):
    students = list(Student.objects.all())
    numbers = [s.id_number for s in students if s.id_number]
    assert len(numbers) == len(set(numbers))
    for s in students:
        if s.id_type in ("1", "C"):
            info = parse_resident_id(s.id_number, today=dt.date(2026, 9, 10))
            assert (info.birth_date, info.gender) == (s.birth_date, s.gender), s.id_number
            assert info.region_known
            assert (info.kind == "hk") == (s.id_type == "C")
        validate_xjh(s.xjh)
    for member in FamilyMember.objects.exclude(id_number=""):
        parse_resident_id(member.id_number, today=dt.date(2026, 9, 10))


def test_r3_2_ages_are_consistent_with_grades(demo):
    late_entry = EntryApplication.objects.get(kind="late_entry", state="approved")
    for e in _current():
        lo, hi = birth_range(e.grade)
        if e.student.id_number == late_entry.id_number:
            assert e.grade == 1 and e.student.birth_date < lo
            continue
        # On time, or one year older (a late start or a repeated year) — never younger.
        assert lo.replace(year=lo.year - 1) <= e.student.birth_date <= hi, (e.grade, e.student.birth_date)
        if e.grade == 1:
            assert lo <= e.student.birth_date <= hi


def test_r6_4_intake_is_registered_and_earlier_students_imported(demo):
    for e in _current():
        student = e.student
        school = next(s for s in SCHOOLS if s.code == e.school.code)
        if registers(school, e.grade):
            assert e.origin == Enrollment.Origin.NEW and e.entry_date == dt.date(2026, 9, 1)
            if student.id_type == "1":
                assert student.xjh == "G" + student.id_number
            else:  # HK residence permit or no number: the service gives a J number (R6.4)
                assert student.xjh.startswith("J")
        else:
            assert e.origin == Enrollment.Origin.IMPORTED and e.entry_date < dt.date(2026, 9, 1)
            assert student.xjh == "G" + student.id_number
        # R5.1: the district went live at the previous intake; later records on their entry day.
        assert e.record_due == rules.record_due(e.entry_date, created=max(e.entry_date, dt.date(2025, 9, 1)))
    by_type = Counter(Student.objects.values_list("id_type", flat=True))
    assert by_type["C"] == 1 and by_type["Z"] >= 2
    assert Student.objects.get(id_type="C").id_number.startswith("810000")
    assert AuditEvent.objects.filter(action__in=["student.register", "student.import_existing"]).count() == N


def test_special_cases_and_every_student_in_a_class(demo):
    rows = list(_current())
    assert all(e.school_class is not None and e.school_class.school_id == e.school_id for e in rows)
    assert all(
        e.school_class.grade == e.grade and e.school_class.school_year.start_year == 2026 for e in rows
    )
    by_class = Counter(e.school_class_id for e in rows)
    assert all(by_class[c.pk] <= c.capacity for c in SchoolClass.objects.all())
    home_taught = [e for e in rows if e.attendance_mode == "4"]
    assert home_taught and all(
        e.school.kind == "special" and e.student.disability != "0" for e in home_taught
    )
    regular = [e.student for e in rows if e.student.regular_class_disabled != "0"]
    assert len(regular) >= 3 and all(s.disability != "0" for s in regular)
    assert all(e.student.disability != "0" for e in rows if e.school.kind == "special")
    assert Student.objects.filter(migrant_child=True).count() >= 2
    assert Student.objects.exclude(left_behind="0").count() >= 2
    grandparent = FamilyMember.objects.filter(relation="3", student__left_behind="2").first()
    assert grandparent is not None and grandparent.is_guardian


def test_r3_3_entry_applications(demo):
    states = Counter(EntryApplication.objects.values_list("kind", "state"))
    assert states[("deferral", "pending")] == 1
    assert states[("late_entry", "approved")] == 1
    assert states[("deferral", "approved")] == 1
    late = EntryApplication.objects.get(kind="late_entry")
    assert Student.objects.filter(id_number=late.id_number, enrollments__grade=1).exists()


def test_r5_1_todo_list_is_not_empty_and_most_records_complete(demo):
    officer = User.objects.get(username="bg_officer")
    assert todo_overdue_records(requested_by=officer).exists()
    incomplete = Student.objects.filter(is_complete=False).count()
    assert 3 <= incomplete <= N * 0.12


def test_seed_is_idempotent(demo):
    models = (Student, Enrollment, FamilyMember, User, School, SchoolClass, EntryApplication, AuditEvent)
    before = [m.objects.count() for m in models]
    again = seed_demo(students=N)
    assert not again.seeded
    assert [m.objects.count() for m in models] == before


def test_scenarios_fit_in_the_small_seed():
    assert len(SCENARIOS) < N


def test_generator_is_deterministic_and_ids_are_valid():
    school = SCHOOLS[0]
    first = People(random.Random(2026)).student(Profile(school=school, grade=3))
    second = People(random.Random(2026)).student(Profile(school=school, grade=3))
    assert first == second
    people = People(random.Random(1))
    for grade in range(1, 7):
        for _ in range(200):
            payload = people.student(Profile(school=school, grade=grade))
            info = parse_resident_id(payload.student["id_number"], today=dt.date(2026, 11, 27))
            assert info.birth_date == payload.student["birth_date"]
            assert info.gender == payload.student["gender"]
