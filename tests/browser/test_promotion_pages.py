"""The page checklist on the school year's pages (R14.2): the registrar's promotion page and next
year's classes, the approver's confirmation, the district's list of which schools have promoted —
at 1366 px and at 360 px."""

from __future__ import annotations

import pytest

from tests.browser.checklist import DESKTOP, PHONE, check_page
from tests.browser.checklist import known_faults as at
from tests.students.test_promotion import SUMMER, _in_class, _next_year, _set
from xueji.audit import actions
from xueji.org import services as org_services
from xueji.org.models import SchoolYear
from xueji.students import promotion_services

WIDTHS = [at(DESKTOP), at(PHONE)]


@pytest.fixture
def summer(world, settings):
    """School A at the end of 2026–27 with students moving up, graduating and staying."""
    _next_year(world)
    students = [_in_class(world.school_a, grade, number) for grade in (3, 6) for number in (1, 2)]
    _set(_in_class(world.school_a, 4), "02")
    _set(_in_class(world.school_a, 5), "06")
    settings.XUEJI_FIXED_TODAY = SUMMER
    year26, year27 = SchoolYear.objects.get(start_year=2026), SchoolYear.objects.get(start_year=2027)
    org_services.classes_for_next_year(
        actor=world.registrar_a, school=world.school_a, school_year=year26, next_year=year27
    )
    return students


@pytest.mark.parametrize("width", WIDTHS)
def test_promotion_page_registrar(browser, world, summer, width):
    browser.login(world.registrar_a)
    report = check_page(browser, "/students/promotion/", width=width, logged=actions.STUDENT_SEARCH)
    assert "提交升级" in report.text and "休学 1" in report.text and "毕业" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_next_years_classes_page(browser, world, summer, width):
    browser.login(world.registrar_a)
    report = check_page(browser, "/students/promotion/classes/", width=width)
    assert "四年级（2）班" in report.text and "新增一个班" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_promotion_page_approver_confirms(browser, world, summer, width):
    promotion_services.promotion_submit(actor=world.registrar_a, school=world.school_a)
    browser.login(world.approver_a)
    report = check_page(browser, "/students/promotion/", width=width, logged=actions.STUDENT_SEARCH)
    assert "确认升级" in report.text and "退回学籍管理员" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_promotion_overview_district_officer(browser, world, summer, width):
    done = promotion_services.promotion_submit(actor=world.registrar_a, school=world.school_a)
    promotion_services.promotion_confirm(actor=world.approver_a, promotion=done)
    browser.login(world.officer)
    report = check_page(browser, f"/students/promotion/?school={world.school_a.code}", width=width)
    assert "各校升级情况" in report.text and "已升级" in report.text and "2 / 2" in report.text


@pytest.fixture
def graduate(world):
    student = _in_class(world.school_a, 6)
    _set(student, "07")
    return student


@pytest.mark.parametrize("width", WIDTHS)
def test_continuing_page_junior_registrar_finds_a_graduate(browser, world, graduate, width):
    browser.login(world.registrar_b)
    report = check_page(
        browser,
        f"/students/continuing/?q={graduate.xjh}",
        width=width,
        logged=actions.STUDENT_SEARCH,
        secrets=[graduate.id_number],
    )
    assert graduate.name in report.text and "办理升学入学" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_continuing_snapshot_page_primary_registrar(browser, world, graduate, width):
    import datetime as dt

    from xueji.students import progression_services

    made = progression_services.graduate_enroll(
        actor=world.registrar_b, student=graduate, school=world.school_b, entry_date=dt.date(2026, 9, 1)
    )
    browser.login(world.registrar_a)
    report = check_page(
        browser,
        f"/students/continuing/{made.pk}/",
        width=width,
        logged=actions.STUDENT_VIEW,
        subject=graduate,
        secrets=[graduate.id_number],
    )
    assert "升学档案快照" in report.text and "False" not in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_continuing_assignment_page_district_officer(browser, world, width):
    browser.login(world.officer)
    report = check_page(browser, "/import/continuing/", width=width)
    assert "升学分配名单" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_placement_page_after_the_promotion(browser, world, summer, width):
    done = promotion_services.promotion_submit(actor=world.registrar_a, school=world.school_a)
    promotion_services.promotion_confirm(actor=world.approver_a, promotion=done)
    from tests.factories import enrolled

    enrolled(world.school_a, grade=2, name="待分班")  # no class
    browser.login(world.registrar_a)
    report = check_page(browser, "/students/placement/", width=width, logged=actions.STUDENT_SEARCH)
    assert "编入所选班级" in report.text and "待分班" in report.text
