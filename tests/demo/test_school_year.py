"""The demo at the end of a school year (``xueji demo --today 2027-07-10``): the 2026–27 spring
semester has ended, 2027–28 is set up, and every school is ready to promote a mixed population —
students who stay for 休学, 出国（境）, 辍学 or 下落不明 beside those who move up (R14.2). On an
ordinary school day nothing is offered.

Seeded once for the module inside a transaction rolled back at the end; never the ``world`` fixture.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.demo.seeding import seeded_on
from xueji.demo.accounts import REGISTRAR_OF
from xueji.org import services as org_services
from xueji.org.models import Role, School, SchoolClass, User
from xueji.students import progression_services, promotion_services, selectors
from xueji.students.models import Enrollment

N = 300
SUMMER = dt.date(2027, 7, 10)
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once per module inside a transaction that is rolled back at the end."""
    with seeded_on(
        SUMMER, students=N, evidence_dir=tmp_path_factory.mktemp("demo-evidence"), blocker=django_db_blocker
    ) as report:
        yield report


@pytest.fixture
def demo(seeded, settings):
    settings.XUEJI_FIXED_TODAY = SUMMER.isoformat()
    return seeded


def test_r14_2_at_the_end_of_the_year_every_school_is_ready_to_promote(demo):
    officer = User.objects.filter(role=Role.DISTRICT_OFFICER, jurisdiction__code="410503").first()
    schools = list(School.objects.filter(district__code="410503"))
    standings = selectors.promotion_statuses(requested_by=officer, schools=schools)
    assert {s.label for s in standings} == {"待升级"}
    assert {(s.year.start_year, s.next_year.start_year) for s in standings} == {(2026, 2027)}


def test_r14_2_the_demo_has_a_mixed_school_and_its_promotion_runs(demo):
    by_school = {}
    for school in School.objects.filter(district__code="410503"):
        registrar = User.objects.get(username=REGISTRAR_OF[_slug(school)]) if _slug(school) else None
        if registrar is None:
            continue
        rows = selectors.promotion_preview(requested_by=registrar, school=school, year=None)
        reasons = {reason for row in rows for reason in row.staying}
        by_school[school] = (registrar, reasons)
    school, (registrar, reasons) = max(by_school.items(), key=lambda item: len(item[1][1]))
    assert len(reasons) >= 3, reasons  # a mixed population: several reasons to stay
    standing = selectors.promotion_statuses(requested_by=registrar, schools=[school])[0]
    org_services.classes_for_next_year(
        actor=registrar, school=school, school_year=standing.year, next_year=standing.next_year
    )
    assert SchoolClass.objects.filter(school=school, school_year=standing.next_year).exists()
    approver = User.objects.get(school=school, role=Role.SCHOOL_APPROVER)
    submitted = promotion_services.promotion_submit(actor=registrar, school=school)
    done = promotion_services.promotion_confirm(actor=approver, promotion=submitted)
    assert done.result["moved"] > 0
    assert sum(done.result["staying"].values()) >= 3
    if school.grade_to in (6, 9):
        assert Enrollment.objects.filter(school=school, status="07").count() == done.result["graduated"] > 0


def _slug(school: School) -> str | None:
    from xueji.demo.district import SCHOOLS

    return next((s.slug for s in SCHOOLS if s.code == school.code and s.slug in REGISTRAR_OF), None)


def test_r6_5_one_primary_school_has_promoted_and_its_graduates_wait_for_continuing(demo):
    dg = School.objects.get(code="4105021001")  # 文峰区东关小学
    officer = User.objects.get(username="wf_officer")
    standing = selectors.promotion_statuses(requested_by=officer, schools=[dg])[0]
    assert standing.done and standing.promotion.result["graduated"] > 0
    graduates = selectors.graduates_pending(requested_by=officer, school=dg)
    assert graduates.count() == standing.promotion.result["graduated"]
    junior = School.objects.get(code="4105022001")  # 文峰区永明路中学
    registrar = User.objects.get(school=junior, role=Role.REGISTRAR)
    first = graduates.first()
    found = selectors.graduate_find(requested_by=registrar, q=first.student.xjh)
    made = progression_services.graduate_enroll(
        actor=registrar,
        student=found.student,
        school=junior,
        entry_date=progression_services.intake_day(SUMMER),
    )
    assert made.to_school == junior and made.student.xjh == first.student.xjh
