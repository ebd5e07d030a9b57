"""The information change (R9.1) in a browser: the request page, the case page at the school's and
the district's step, the edit page with its locked fields — the page checklist at 1366 px and at
360 px; and the whole path a registrar, the approver and the officer take for a name correction."""

from __future__ import annotations

import pytest

from tests.browser.checklist import DESKTOP, PHONE, check_page
from tests.browser.checklist import known_faults as at
from tests.factories import enrolled
from xueji.audit import actions
from xueji.changes.kinds.information.services import information_start
from xueji.changes.models import Case

WIDTHS = [at(DESKTOP), at(PHONE)]
REQUEST = {"proof": "household", "reason": "登记时姓名录入错误，以户口簿为准", "guardian_name": "王建国"}


def _through(world, case, until):
    from tests.changes.builders import attach_missing
    from xueji.changes import services as engine

    attach_missing(case, world.registrar_a)
    case = engine.case_submit(actor=world.registrar_a, case=case)
    while case.step_key != until:
        case = engine.case_approve(actor=world.approver_a, case=case)
    return case


@pytest.mark.parametrize("width", WIDTHS)
def test_information_request_page(browser, world, width):
    student = enrolled(world.school_a, grade=3)
    browser.login(world.registrar_a)
    report = check_page(
        browser,
        f"/cases/information/new/?student={student.pk}",
        width=width,
        logged=actions.STUDENT_VIEW,
        subject=student,
        secrets=[student.id_number],
    )
    assert "现为：陈小北" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_information_case_page_at_the_districts_step(browser, world, width):
    student = enrolled(world.school_a, grade=3)
    case = information_start(
        actor=world.registrar_a, student=student, facts={"changes": {"name": "陈晓北"}, **REQUEST}
    )
    case = _through(world, case, "district")
    browser.login(world.officer)
    report = check_page(
        browser,
        f"/cases/{case.pk}/",
        width=width,
        logged=actions.CASE_VIEW,
        subject=case,
        secrets=[student.id_number],
    )
    assert "陈晓北" in report.text and "关键信息" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_edit_page_with_locked_fields(browser, world, width):
    student = enrolled(world.school_a, grade=3)
    browser.login(world.registrar_a)
    report = check_page(browser, f"/students/{student.pk}/edit/", width=width, secrets=[student.id_number])
    assert "信息变更申请" in report.text


def test_a_name_correction_filed_reviewed_and_approved_in_the_browser(browser, world, tmp_path):
    """A registrar files the request on the page and uploads the scans; the approver and the officer
    each approve on the case page; the record then carries the new name."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    def submit(button):
        """Click, then wait for the next page: a mark set on this page is gone once it has loaded."""
        browser.driver.execute_script("window.__before = true")
        button.click()
        WebDriverWait(browser.driver, 15).until(
            lambda d: d.execute_script("return !window.__before && document.readyState === 'complete'")
        )

    student = enrolled(world.school_a, grade=3)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    browser.resize(PHONE, 780)
    browser.login(world.registrar_a)
    browser.open(f"/cases/information/new/?student={student.pk}")
    driver = browser.driver
    driver.find_element(By.ID, "id_name").send_keys("陈晓北")
    Select(driver.find_element(By.ID, "id_proof")).select_by_visible_text("户口簿")
    driver.find_element(By.ID, "id_reason").send_keys("登记时姓名录入错误")
    driver.find_element(By.ID, "id_guardian_name").send_keys("王建国")
    browser.screenshot("request-filled", PHONE)
    submit(driver.find_element(By.CSS_SELECTOR, "#start-form button[type=submit]"))
    case = Case.objects.get(kind="information")
    assert driver.current_url.endswith(f"/cases/{case.pk}/")
    for _ in range(2):  # the signed form, then the household register
        Select(driver.find_element(By.ID, "id_category")).select_by_index(0)
        driver.find_element(By.ID, "id_file").send_keys(str(scan))
        submit(
            driver.find_element(By.CSS_SELECTOR, "#evidence form[enctype] button")
        )  # the upload, not a 删除
    submit(driver.find_element(By.XPATH, "//form[contains(@action,'submit')]//button"))
    browser.screenshot("submitted", PHONE)
    for user in (world.approver_a, world.officer):
        driver.delete_all_cookies()
        browser.login(user)
        browser.open(f"/cases/{case.pk}/")
        submit(driver.find_element(By.XPATH, "//form[contains(@action,'approve')]//button"))
        browser.screenshot(f"approved-by-{user.username}", PHONE)
    case.refresh_from_db()
    student.refresh_from_db()
    assert (case.state, student.name) == ("completed", "陈晓北")


@pytest.mark.parametrize("width", WIDTHS)
def test_place_page(browser, world, width):
    student = enrolled(world.school_a, grade=1)
    browser.login(world.registrar_a)
    report = check_page(browser, f"/students/{student.pk}/class/", width=width, secrets=[student.id_number])
    assert "分班" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_student_detail_reads_names_not_codes(browser, world, width):
    student = enrolled(world.school_a, grade=3)
    browser.login(world.approver_a)
    report = check_page(
        browser,
        f"/students/{student.pk}/",
        width=width,
        logged=actions.STUDENT_VIEW,
        subject=student,
        secrets=[student.id_number],
    )
    assert "河南省安阳市北关区" in report.text and "汉族" in report.text
    assert "01 汉族" not in report.text and "410503\n" not in report.text


@pytest.fixture
def kept(world):
    """A snapshot 北关区红旗路小学 keeps of a student who died (R8.1: kept for good)."""
    from tests.changes.builders import case_in_state
    from xueji.students.models import ArchiveSnapshot

    case = case_in_state("death", "completed", world)
    return ArchiveSnapshot.objects.get(student=case.student)


@pytest.mark.parametrize("width", WIDTHS)
def test_archive_snapshot_page(browser, world, kept, width):
    browser.login(world.registrar_a)
    report = check_page(
        browser,
        f"/students/archive/{kept.pk}/",
        width=width,
        logged=actions.ARCHIVE_VIEW,
        subject=kept,
        secrets=[kept.student.id_number],
    )
    assert "永久保存" in report.text and "校验备份" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_archive_list_page(browser, world, kept, width):
    browser.login(world.officer)
    report = check_page(browser, "/students/archive/", width=width, secrets=[kept.student.id_number])
    assert kept.student.name in report.text
