"""Confidentiality as people meet it (R19, R21.1): an unmasked export requested by a registrar and
approved by the district officer on a phone, the registrars on file, the auditor's page, and the
student page's reveal of health and disability — at 1366 px and at 360 px."""

from __future__ import annotations

import datetime as dt

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.checklist import DESKTOP, PHONE, check_page
from tests.conftest import login
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.audit import actions
from xueji.exchange.models import ExportRequest
from xueji.students.services import student_register


@pytest.fixture
def pupils(world):
    return [
        student_register(
            actor=world.registrar_a,
            school=world.school_a,
            student=student_payload(dt.date(2020, 3, 1) + dt.timedelta(days=i), name=name),
            family=family_payload(),
            enrollment=enrollment_payload(),
            school_class=world.class_a1,
        )
        for i, name in enumerate(("王小明", "李小红"))
    ]


def _submit(browser, button_css: str = "main form button") -> None:
    """Click and wait for the next page (the clicked button gone), not the one still shown."""
    from selenium.webdriver.support import expected_conditions

    button = browser.driver.find_element(By.CSS_SELECTOR, button_css)
    button.click()
    WebDriverWait(browser.driver, 10).until(expected_conditions.staleness_of(button))
    WebDriverWait(browser.driver, 10).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def test_an_unmasked_export_is_requested_approved_on_a_phone_and_downloaded(browser, world, pupils):
    # The registrar asks, from the school's students, with purpose and recipient.
    browser.login(world.registrar_a)
    for width in (DESKTOP, PHONE):
        report = check_page(browser, "/exports/requests/new/", width=width, label=f"request-new-{width}")
        assert "2 名" in report.text and "第二十一条" in report.text
    browser.driver.find_element(By.ID, "recipient").send_keys("安阳市教育局")
    browser.driver.find_element(By.ID, "purpose").send_keys("与国家学籍系统核对本学期新生信息")
    _submit(browser)
    request = ExportRequest.objects.get()
    assert browser.driver.current_url.endswith(f"/exports/requests/{request.pk}/")
    assert "待审批" in browser.driver.page_source or request.get_state_display() in browser.driver.page_source

    # The officer decides on a phone: the opinion and the decision buttons fit 360 px.
    browser.login(world.officer)
    report = check_page(browser, f"/exports/requests/{request.pk}/", width=PHONE, label="request-decide")
    assert "批准导出" in report.text and "安阳市教育局" in report.text
    browser.driver.find_element(By.ID, "opinion").send_keys("同意，仅用于学籍核对，用后删除")
    _submit(browser, "button[name=decision][value=approve]")
    request.refresh_from_db()
    assert request.state == ExportRequest.State.APPROVED and request.decided_by == world.officer

    # The registrar sees the download, and the file is the approved one.
    browser.login(world.registrar_a)
    for width in (DESKTOP, PHONE):
        report = check_page(
            browser, f"/exports/requests/{request.pk}/", width=width, label=f"request-ready-{width}"
        )
        assert "下载 Excel" in report.text and "0/3" in report.text
    response = login(world.registrar_a).get(f"/exports/requests/{request.pk}/download.xlsx")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
    request.refresh_from_db()
    assert request.downloads == 1


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_the_registrars_on_file_page(browser, world, width):
    for user in (world.approver_a, world.officer):
        browser.login(user)
        report = check_page(browser, "/registrars/", width=width, label=f"registrars-{user.username}")
        assert "张老师" in report.text


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_the_auditors_page_reads_in_chinese(browser, world, pupils, width):
    login(world.registrar_a).get(f"/students/{pupils[0].pk}/")
    browser.login(world.auditor)
    report = check_page(browser, "/audit/", width=width)
    assert "查看学生" in report.text and "王*明" in report.text
    assert "student.view" not in report.text and "Student #" not in report.text


def test_the_keeping_school_reveals_health_and_disability_and_it_is_logged(browser, world, pupils):
    student = pupils[0]
    browser.login(world.registrar_a)
    # The keeping registrar reads the full ID number (its task); health and the like stay masked.
    report = check_page(
        browser, f"/students/{student.pk}/", width=PHONE, full_ids=True, label="student-masked"
    )
    assert "（敏感信息，不显示）" in report.text and "健康或良好" not in report.text
    browser.driver.find_element(By.LINK_TEXT, "显示这些信息").click()
    WebDriverWait(browser.driver, 10).until(lambda d: "reveal=1" in d.current_url)
    report = check_page(
        browser,
        browser.driver.current_url,
        width=PHONE,
        full_ids=True,
        logged=actions.STUDENT_REVEAL,
        subject=student,
        label="student-revealed",
    )
    assert "健康或良好" in report.text and "本次查看已记录" in report.text


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_the_student_search_with_its_filters_and_pages(browser, world, pupils, width):
    """Issue 13: school (officer), class, status and gender filters and numbered pages fit a phone."""
    browser.login(world.officer)
    report = check_page(browser, "/students/", width=width, label=f"search-officer-{width}")
    assert "全部学校" in report.text and "学籍状态" in report.text and "性别" in report.text
    browser.login(world.registrar_a)
    report = check_page(browser, "/students/", width=width, full_ids=False, label=f"search-registrar-{width}")
    assert "全部班级" in report.text and "王小明" in report.text


def test_registration_tells_the_age_cut_off_and_a_duplicate_while_typing(browser, world, pupils):
    """Issue 13 on a phone: the ID number alone fills the birth date and, with grade and entry date,
    the age cut-off is told at once; a number held by a student of this school is told too; the
    class list offers the chosen grade's classes only. Nothing is written."""
    from tests.factories import make_id
    from xueji.students.models import Student

    browser.login(world.registrar_a)
    check_page(browser, "/students/new/", width=PHONE, label="register")
    driver = browser.driver

    def field(name):
        return driver.find_element(By.CSS_SELECTOR, f"[data-field={name}]")

    def error(name):
        return driver.find_element(By.CSS_SELECTOR, f"[data-error={name}]").text

    from selenium.webdriver.support.ui import Select

    Select(field("grade")).select_by_visible_text("一年级")
    assert [
        o.get_attribute("data-grade")
        for o in field("school_class").find_elements(By.TAG_NAME, "option")
        if o.is_enabled() and o.get_attribute("value")
    ] == ["1"]
    driver.execute_script(
        "const e = arguments[0]; e.value = '2026-09-01'; e.dispatchEvent(new Event('change', {bubbles: true}));",
        field("entry_date"),
    )
    field("id_number").send_keys(make_id(dt.date(2020, 9, 1)))
    WebDriverWait(driver, 10).until(lambda d: "不足6周岁" in error("birth_date"))
    assert field("birth_date").get_attribute("value") == "2020-09-01"
    assert "第三条" in error("birth_date")
    id_box = field("id_number")
    id_box.clear()
    id_box.send_keys(pupils[0].id_number)
    WebDriverWait(driver, 10).until(lambda d: "已在本校建立学籍" in error("id_number"))
    assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE
    assert Student.objects.count() == 2


def test_a_form_opens_on_its_first_field_and_a_refused_submit_on_what_is_wrong(browser, world):
    """Issue 13: the first field has the focus on a form page; after a refused submit the focus is
    on the error summary (role=alert: announced), so keyboard and screen-reader users start there."""
    browser.login(world.registrar_a)
    browser.resize(PHONE, 800)
    browser.open("/students/new/")
    driver = browser.driver
    WebDriverWait(driver, 10).until(lambda d: d.switch_to.active_element.tag_name in ("select", "input"))
    first = driver.switch_to.active_element
    assert first.get_attribute("data-field") == driver.find_element(
        By.CSS_SELECTOR, "#record-form select, #record-form input:not([type=hidden])"
    ).get_attribute("data-field")
    button = driver.find_element(By.CSS_SELECTOR, "#record-form button[type=submit]")
    button.click()
    from selenium.webdriver.support import expected_conditions

    WebDriverWait(driver, 10).until(expected_conditions.staleness_of(button))
    WebDriverWait(driver, 10).until(lambda d: d.switch_to.active_element.get_attribute("role") == "alert")
    assert "处需要修改" in driver.switch_to.active_element.text


def test_what_one_account_typed_is_never_put_back_for_another(browser, world, pupils):
    """R21.1: a form's draft (kept for an idle logout) belongs to the account that typed it: another
    account signing in in the same tab finds the form empty; the same account after an explicit
    logout too."""
    from tests.conftest import on_file

    browser.login(world.registrar_a)
    browser.open("/students/new/")
    driver = browser.driver
    field = driver.find_element(By.CSS_SELECTOR, "[data-field=id_number]")
    field.send_keys(pupils[0].id_number)
    WebDriverWait(driver, 5).until(
        lambda d: d.execute_script("return Object.keys(sessionStorage).length") > 0
    )
    on_file(world.registrar_b)
    browser.login(world.registrar_b)
    browser.open("/students/new/")
    assert driver.find_element(By.CSS_SELECTOR, "[data-field=id_number]").get_attribute("value") == ""
    assert (
        driver.execute_script(
            "return Object.keys(sessionStorage).filter(k => k.startsWith('xueji-draft:')).length"
        )
        == 0
    )
