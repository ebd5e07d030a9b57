"""The page checklist (tests/browser/checklist.py) on the pages approvers and officers open on
their phones: login, home, the case list and a case page, at 1366 px and at 360 px.

A page that fails stays here, its width parameter marked with the faults measured
(``at(PHONE, Fault(OVERFLOW, "…"))``: a strict xfail): the harness proves it sees them, and the test
turns red when one is fixed (take it out then) or when a fault not named here appears. The faults
first measured here (grey text at 4.0:1, fixed-width label columns, wide tables) were fixed for
every page in the shared stylesheet.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest

from tests.browser.checklist import DESKTOP, PHONE, check_page
from tests.browser.checklist import known_faults as at
from tests.conftest import PASSWORD
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.audit import actions
from xueji.changes import services as engine
from xueji.changes.kinds.transfer.services import transfer_start
from xueji.students.services import student_import_existing

PDF = b"%PDF-1.4 evidence"


def submitted_transfer(world, *, name="陈小北", birth=dt.date(2018, 4, 1)):
    """A transfer of a 文峰区东关小学 (school C) pupil to 北关区红旗路小学 (school A), with its three
    documents, submitted: at the district's filing step."""
    payload = student_payload(birth, name=name)
    student = student_import_existing(
        actor=world.registrar_c,
        school=world.school_c,
        xjh="G" + payload["id_number"],
        student=payload,
        family=family_payload(),
        enrollment=enrollment_payload(grade=3, entry_date="2024-09-01"),
    )
    case = transfer_start(
        actor=world.registrar_a,
        student=student,
        facts={"grounds": "household_moved", "nature": "returning", "reason": "随父母户籍迁入北关区"},
    )
    for category in ("transfer_application", "household_migration", "household_register"):
        engine.case_attach(
            actor=world.registrar_a,
            case=case,
            file=BytesIO(PDF),
            original_name=f"{category}.pdf",
            category=category,
        )
    return engine.case_submit(actor=world.registrar_a, case=case)


@pytest.fixture
def transfer(world):
    """The transfer filed by the district and now at school A's approval: the approver's turn."""
    case = submitted_transfer(world)
    case = engine.case_approve(actor=world.officer, case=case, comment="已备案")
    assert case.step_key == "in_school"
    return case


# --------------------------------------------------------------------------- login


@pytest.mark.parametrize("width", [at(DESKTOP), at(PHONE)])
def test_login_page(browser, world, width):
    check_page(browser, "/login/", width=width)


@pytest.mark.parametrize("width", [at(DESKTOP), at(PHONE)])
def test_account_page(browser, world, width):
    from xueji.org.tokens import api_token_issue

    api_token_issue(user=world.registrar_a)
    browser.login(world.registrar_a)
    report = check_page(browser, "/account/", width=width)
    assert "接口令牌" in report.text and "有效" in report.text


@pytest.mark.parametrize("width", [at(DESKTOP), at(PHONE)])
def test_password_page(browser, world, width):
    browser.login(world.registrar_a)
    report = check_page(browser, "/account/password/", width=width)
    assert "至少 10 位" in report.text


def test_login_locked_after_five_failures_says_so(browser, world):
    for _ in range(5):
        browser.login_form(world.registrar_a.username, "wrong-password-1", expect_success=False)
    assert "本机登录该账号已暂停 30 分钟" in browser.driver.page_source
    browser.resize(PHONE, 800)
    assert browser.driver.execute_script("return document.documentElement.scrollWidth") <= PHONE


def test_officer_enrols_a_second_factor_at_the_first_login(browser, world):
    """R21.1: password, then the enrolment page (QR and secret), the app's code, the recovery codes
    shown once, then home; the enrolment page passes the checklist at both widths."""
    import base64

    from django_otp.oath import TOTP
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.login_form(world.officer.username, PASSWORD)
    assert "/account/otp/" in browser.driver.current_url
    for width in (DESKTOP, PHONE):
        report = check_page(browser, "/account/otp/", width=width, label=f"otp-enrol-{width}")
        assert "设置两步验证" in report.text
    secret = browser.driver.find_element(By.CSS_SELECTOR, ".secret").text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    browser.driver.find_element(By.ID, "code").send_keys(f"{TOTP(key).token():06d}")
    browser.driver.find_element(By.CSS_SELECTOR, "main form button").click()
    WebDriverWait(browser.driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "ul.codes li"))
    codes = browser.driver.find_elements(By.CSS_SELECTOR, "ul.codes li")
    assert len(codes) == 10
    browser.screenshot("otp-recovery-codes", PHONE)
    browser.driver.find_element(By.LINK_TEXT, "我已保存，继续").click()
    WebDriverWait(browser.driver, 10).until(lambda d: d.current_url == browser.url("/"))
    assert "待办" in browser.driver.page_source


def test_login_form_signs_in_and_lands_on_home(browser, world):
    browser.login_form(world.approver_a.username, PASSWORD)
    assert browser.driver.current_url == browser.url("/")
    assert "待办事项" in browser.driver.page_source


# --------------------------------------------------------------------------- home


@pytest.mark.parametrize("width", [at(DESKTOP), at(PHONE)])
def test_home_registrar(browser, world, transfer, width):
    browser.login(world.registrar_a)
    check_page(browser, "/", width=width)


@pytest.mark.parametrize("width", [at(DESKTOP), at(PHONE)])
def test_home_district_officer(browser, world, transfer, width):
    browser.login(world.officer)
    check_page(browser, "/", width=width)


# --------------------------------------------------------------------------- cases


@pytest.mark.parametrize("width", [at(DESKTOP), at(PHONE)])
def test_case_list_approver(browser, world, transfer, width):
    browser.login(world.approver_a)
    report = check_page(
        browser,
        "/cases/",
        width=width,
        logged=actions.CASE_LIST,
        secrets=[transfer.student.id_number],
    )
    assert transfer.number in report.text


@pytest.mark.parametrize("width", [at(DESKTOP), at(PHONE)])
def test_case_list_district_officer(browser, world, transfer, width):
    browser.login(world.officer)
    check_page(
        browser, "/cases/", width=width, logged=actions.CASE_LIST, secrets=[transfer.student.id_number]
    )


@pytest.mark.parametrize("width", [at(DESKTOP), at(PHONE)])
def test_case_page_approver_at_their_step(browser, world, transfer, width):
    browser.login(world.approver_a)
    report = check_page(
        browser,
        f"/cases/{transfer.pk}/",
        width=width,
        logged=actions.CASE_VIEW,
        subject=transfer,
        secrets=[transfer.student.id_number],
    )
    assert "待您办理" in report.text


@pytest.mark.parametrize("width", [at(DESKTOP), at(PHONE)])
def test_case_page_district_officer(browser, world, transfer, width):
    browser.login(world.officer)
    check_page(
        browser,
        f"/cases/{transfer.pk}/",
        width=width,
        logged=actions.CASE_VIEW,
        subject=transfer,
        secrets=[transfer.student.id_number],
    )


def test_a_returned_case_is_read_and_corrected_on_a_phone(browser, world):
    """Issue 13: the registrar opens a returned case at 360 px, reads why at the top, takes back
    the wrong file, uploads the right one and submits again — every step in the browser."""
    import tempfile
    from pathlib import Path

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    case = submitted_transfer(world)
    student = case.student
    engine.case_return(actor=world.officer, case=case, comment="户口簿首页不清晰，请重新扫描")

    browser.login(world.registrar_a)
    report = check_page(
        browser, f"/cases/{case.pk}/", width=PHONE, secrets=[student.id_number], label="returned"
    )
    assert "已退回修改" in report.text and "户口簿首页不清晰" in report.text
    driver = browser.driver
    reason = driver.find_element(By.CSS_SELECTOR, ".returned")
    assert reason.location["y"] < 400  # on the first screen, under the bar
    driver.find_element(By.LINK_TEXT, "去办理").click()
    row = next(
        r
        for r in driver.find_elements(By.CSS_SELECTOR, "#evidence tbody tr")
        if "household_register.pdf" in r.text
    )
    row.find_element(By.CSS_SELECTOR, "details.act-inline > summary").click()
    confirm = row.find_element(By.CSS_SELECTOR, "details.act-inline button")
    confirm.click()
    WebDriverWait(driver, 10).until(expected_conditions.staleness_of(confirm))
    assert "已删除材料" in driver.page_source
    scan = Path(tempfile.mkdtemp()) / "户口簿首页.pdf"
    scan.write_bytes(PDF)
    driver.find_element(By.CSS_SELECTOR, "#evidence select").send_keys("户口簿")
    driver.find_element(By.CSS_SELECTOR, "#evidence input[type=file]").send_keys(str(scan))
    upload = driver.find_element(By.CSS_SELECTOR, "#evidence form.row button")
    upload.click()
    WebDriverWait(driver, 10).until(expected_conditions.staleness_of(upload))
    assert "已上传" in driver.page_source
    submit = driver.find_element(By.CSS_SELECTOR, "#actions form button")
    submit.click()
    WebDriverWait(driver, 10).until(expected_conditions.staleness_of(submit))
    case.refresh_from_db()
    assert case.state == "open" and case.step_key == "filing"
    assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE


# --------------------------------------------------------------------------- the bar


def test_on_a_phone_the_menu_folds_and_the_page_starts_on_the_first_screen(browser, world):
    """Issue 13: at 360 px the bar is one row (name and 「菜单」); the menu opens under it, lists
    every item, and says it is open; a skip link leads past it by keyboard."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.login(world.registrar_a)
    browser.resize(PHONE, 800)
    browser.open("/")
    driver = browser.driver
    bar = driver.find_element(By.CSS_SELECTOR, "header.topbar")
    assert bar.size["height"] <= 64, bar.size
    toggle = driver.find_element(By.CSS_SELECTOR, ".menu-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not driver.find_element(By.CSS_SELECTOR, "nav[aria-label=主菜单]").is_displayed()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    links = driver.find_elements(By.CSS_SELECTOR, "nav[aria-label=主菜单] a")
    assert len(links) >= 5 and all(link.is_displayed() for link in links)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE
    browser.screenshot("menu-open", PHONE)
    # Desktop: the whole menu in the bar, no button.
    browser.resize(DESKTOP, 800)
    assert not toggle.is_displayed() and links[0].is_displayed()
    # The first Tab reaches 「跳到正文」, which moves the focus to the page's content.
    browser.open("/")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip = driver.switch_to.active_element
    assert skip.text == "跳到正文" and skip.is_displayed()
    skip.send_keys(Keys.ENTER)
    assert driver.switch_to.active_element.get_attribute("id") == "main"


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_the_filing_batch_approves_all_shown_on_a_phone(browser, world, width):
    """Issue 13: the batch page fits a phone, and 「全部同意备案」 asks once and files them."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    for i, name in enumerate(("陈小北", "刘小南")):
        submitted_transfer(world, name=name, birth=dt.date(2018, 4, 1 + i))
    browser.login(world.officer)
    report = check_page(browser, "/cases/batches/", width=width, label="batches")
    assert "全部同意备案（2 件）" in report.text
    button = browser.driver.find_element(By.XPATH, "//button[contains(., '全部同意备案')]")
    button.click()
    alert = WebDriverWait(browser.driver, 5).until(expected_conditions.alert_is_present())
    assert "2 件" in alert.text
    alert.accept()
    WebDriverWait(browser.driver, 10).until(expected_conditions.staleness_of(button))
    assert "已同意备案 2 件" in browser.driver.page_source
    report = check_page(browser, "/cases/batches/", width=width, label="batches-done")
    assert "目前没有待备案的转学" in report.text and "已办理的备案" in report.text
