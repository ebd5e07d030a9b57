"""The page checklist on the pages of the suspension family (R12): the start form, the urging list,
a student's status and follow-up tab, and a suspension's case page, at 1366 px and at 360 px."""

from __future__ import annotations

import pytest

from tests.browser.checklist import DESKTOP, PHONE, check_page
from tests.browser.checklist import known_faults as at
from tests.changes.builders import case_in_state
from tests.factories import enrolled
from xueji.audit import actions

WIDTHS = [at(DESKTOP), at(PHONE)]


@pytest.mark.parametrize("width", WIDTHS)
def test_suspension_start_form(browser, world, width):
    student = enrolled(world.school_a, grade=3)
    browser.login(world.registrar_a)
    report = check_page(
        browser,
        f"/cases/suspension/new/?student={student.pk}",
        width=width,
        logged=actions.STUDENT_VIEW,
        subject=student,
        secrets=[student.id_number],
    )
    assert "休学申请" in report.text and "监护人书面申请" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_urging_list_for_the_district(browser, world, settings, width):
    case = case_in_state("suspension", "completed", world)
    settings.XUEJI_FIXED_TODAY = "2027-09-20"  # ended on 13 Sep 2027, not resumed
    browser.login(world.officer)
    report = check_page(
        browser,
        "/cases/suspension/",
        width=width,
        logged=actions.STUDENT_SEARCH,
        secrets=[case.student.id_number],
    )
    assert case.student.name in report.text and "尚无记录" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_student_status_and_follow_up_tab(browser, world, width):
    case = case_in_state("suspension", "completed", world)
    browser.login(world.approver_a)
    report = check_page(
        browser,
        f"/students/{case.student_id}/?tab=status",
        width=width,
        logged=actions.STUDENT_VIEW,
        subject=case.student,
        secrets=[case.student.id_number],
    )
    assert "学籍状态期间" in report.text and "2027-09-13" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_suspension_case_page_at_the_districts_step(browser, world, width):
    case = case_in_state("suspension", "open", world, step="district")
    browser.login(world.officer)
    report = check_page(
        browser,
        f"/cases/{case.pk}/",
        width=width,
        logged=actions.CASE_VIEW,
        subject=case,
        secrets=[case.student.id_number],
    )
    assert "待您办理" in report.text and "休学情形" in report.text
