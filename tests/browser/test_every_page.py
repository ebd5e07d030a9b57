"""Every page of every role's menu, at 1366 px and at 360 px, passes the page checklist: no
sideways scrolling, no serious or critical axe-core violation, no full ID number on a list
(issue 13: "0 serious axe violations on every page of every role"). The menu is read from the
navigation as each role gets it, so a page added later is checked too. Django's admin pages,
which we do not write, are left out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory

from tests.browser.checklist import DESKTOP, PHONE, check_page
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.navigation import navigation
from xueji.students.services import student_register


@pytest.fixture
def some_students(world):
    for i, name in enumerate(("王小明", "李小红", "张小华")):
        student_register(
            actor=world.registrar_a,
            school=world.school_a,
            student=student_payload(dt.date(2020, 3, 1) + dt.timedelta(days=i), name=name, male=i % 2 == 0),
            family=family_payload(),
            enrollment=enrollment_payload(),
            school_class=world.class_a1,
        )


def _menu(user) -> list[str]:
    from django.urls import reverse

    request = RequestFactory().get("/")
    request.user = user
    request._second_factor_satisfied = True  # the menu as the account sees it once signed in
    names = [name for name, _label in navigation(request)["nav"] if not name.startswith("admin:")]
    # and the bar's 帮助: the role's own manual
    return [reverse(name) for name in names] + [reverse("manual_role", kwargs={"role": user.role})]


@pytest.mark.parametrize("role", ["registrar_a", "approver_a", "officer", "admin", "security", "auditor"])
@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_every_page_of_every_roles_menu_passes_the_checklist(browser, world, some_students, role, width):
    user = getattr(world, role)
    browser.login(user)
    pages = _menu(user)
    assert pages and pages[0] == "/", pages  # the home page at least; the rest as the menu says
    failures = []
    for url in pages:
        try:
            check_page(
                browser, url, width=width, label=f"{role}-{url.strip('/').replace('/', '-') or 'home'}"
            )
        except AssertionError as failed:
            failures.append(str(failed))
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_the_homes_draw_their_charts_with_the_figures_beside_them(browser, world, some_students, width):
    """Issue 13: ECharts draws each chart (a canvas: nothing the Content-Security-Policy refuses);
    the sentence and the table hold the same figures; the page still fits a phone."""
    from selenium.webdriver.common.by import By

    for user in (world.registrar_a, world.officer):
        browser.login(user)
        report = check_page(browser, "/", width=width, label=f"charts-{user.username}")
        assert "在籍学生（按年级、学籍状态）" in report.text and "共 3 名学生" in report.text
        canvases = browser.driver.find_elements(By.CSS_SELECTOR, ".chart canvas")
        assert canvases and all(c.size["width"] > 100 for c in canvases)
        errors = [e for e in browser.driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_a_students_pages_and_a_schools_page_pass_the_checklist(browser, world, some_students, width):
    """Beyond the menus: every tab of a student's page, its archive, and a school's page."""
    from xueji.students.models import Student

    student = Student.objects.order_by("pk").first()
    browser.login(world.registrar_a)
    failures = []
    pages = [
        f"/students/{student.pk}/?tab={tab}" for tab in ("info", "family", "evidence", "history", "status")
    ]
    pages += [
        f"/archive/students/{student.pk}/",
        f"/schools/{world.school_a.pk}/",
        f"/students/{student.pk}/edit/",
    ]
    for url in pages:
        try:
            check_page(browser, url, width=width, full_ids=True, label=url.strip("/").replace("/", "-"))
        except AssertionError as failed:
            failures.append(str(failed))
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_every_case_a_student_page_offers_starts_on_a_page_that_passes(browser, world, some_students, width):
    """The start page of every kind of status change the student's page offers (suspension,
    transfer-out, dropout, information change, …), as the registrar opens it."""
    from selenium.webdriver.common.by import By

    from xueji.students.models import Student

    student = Student.objects.order_by("pk").first()
    browser.login(world.registrar_a)
    browser.resize(width, 800)
    browser.open(f"/students/{student.pk}/")
    links = [
        a.get_attribute("href")
        for a in browser.driver.find_elements(By.CSS_SELECTOR, "main .card .row.u-mt a")
    ]
    assert len(links) >= 4, links
    failures = []
    for url in links:
        try:
            check_page(browser, url, width=width, full_ids=True, label=url.rsplit("/", 3)[-3])
        except AssertionError as failed:
            failures.append(str(failed))
    assert not failures, "\n\n".join(failures)
