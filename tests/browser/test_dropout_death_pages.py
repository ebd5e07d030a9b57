"""The page checklist on the pages of Art. 13 and 15: the dropout report's start form, the 辍学劝返
list, a dropout's case page at the district's step, the death filing's start form, a student's
follow-up tab with a 劝返 — at 1366 px and at 360 px."""

from __future__ import annotations

import pytest

from tests.browser.checklist import DESKTOP, PHONE, check_page
from tests.browser.checklist import known_faults as at
from tests.changes.builders import case_in_state
from tests.factories import enrolled
from xueji.audit import actions

WIDTHS = [at(DESKTOP), at(PHONE)]


@pytest.mark.parametrize("width", WIDTHS)
def test_dropout_start_form(browser, world, width):
    student = enrolled(world.school_a, grade=5)
    browser.login(world.registrar_a)
    report = check_page(
        browser,
        f"/cases/dropout/new/?student={student.pk}",
        width=width,
        logged=actions.STUDENT_VIEW,
        subject=student,
        secrets=[student.id_number],
    )
    assert "辍学" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_dropout_efforts_list_for_the_district(browser, world, width):
    case = case_in_state("dropout", "completed", world)
    browser.login(world.officer)
    report = check_page(
        browser,
        "/cases/dropout/",
        width=width,
        logged=actions.STUDENT_SEARCH,
        secrets=[case.student.id_number],
    )
    assert case.student.name in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_dropout_case_page_at_the_districts_step(browser, world, width):
    case = case_in_state("dropout", "open", world, step="district")
    browser.login(world.officer)
    report = check_page(
        browser,
        f"/cases/{case.pk}/",
        width=width,
        logged=actions.CASE_VIEW,
        subject=case,
        secrets=[case.student.id_number],
    )
    assert case.number in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_death_start_form(browser, world, width):
    student = enrolled(world.school_a, grade=4)
    browser.login(world.registrar_a)
    report = check_page(
        browser,
        f"/cases/death/new/?student={student.pk}",
        width=width,
        logged=actions.STUDENT_VIEW,
        subject=student,
        secrets=[student.id_number],
    )
    assert "死亡" in report.text
