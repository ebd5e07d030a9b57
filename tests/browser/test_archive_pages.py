"""The page checklist on the archive's pages (R7.1, R7.2): a student's archive with records in
every category (health masked), the form of a record, the bulk import page — at 1366 px and 360 px."""

from __future__ import annotations

import pytest

from tests.browser.checklist import DESKTOP, PHONE, check_page
from tests.browser.checklist import known_faults as at
from tests.factories import enrolled
from xueji.archive import services
from xueji.audit import actions

WIDTHS = [at(DESKTOP), at(PHONE)]
VALUES = {
    "academic": {"semester": "2025-2026学年第二学期", "subject": "数学", "result": "优秀"},
    "fitness": {"year": "2025-2026学年", "item": "肺活量", "result": "1850 毫升", "grade": "良好"},
    "health": {"checked_on": "2026-05-20", "institution": "北关区妇幼保健院", "conclusion": "未见异常"},
    "award": {
        "title": "安阳市中小学生书法比赛一等奖",
        "level": "市级",
        "issuer": "安阳市教育局",
        "awarded_on": "2026-04-10",
    },
    "aid": {"semester": "2025-2026学年第二学期", "kind": "营养改善计划膳食补助", "amount": "500"},
}


@pytest.fixture
def pupil(world):
    student = enrolled(world.school_a, grade=3)
    for kind, values in VALUES.items():
        services.entry_add(actor=world.registrar_a, student=student, kind=kind, values=values)
    return student


@pytest.mark.parametrize("width", WIDTHS)
def test_student_archive_page(browser, world, pupil, width):
    browser.login(world.registrar_a)
    report = check_page(
        browser,
        f"/archive/students/{pupil.pk}/",
        width=width,
        logged=actions.STUDENT_VIEW,
        subject=pupil,
        secrets=[pupil.id_number, "北关区妇幼保健院", "营养改善计划膳食补助"],
    )
    assert "（六）资助情况" in report.text and "数学" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_archive_record_form(browser, world, pupil, width):
    browser.login(world.registrar_a)
    report = check_page(
        browser, f"/archive/students/{pupil.pk}/fitness/new/", width=width, secrets=[pupil.id_number]
    )
    assert "测试项目" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_archive_import_page(browser, world, width):
    browser.login(world.registrar_a)
    report = check_page(browser, "/import/archive/?kind=award", width=width)
    assert "获奖" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_evidence_upload_page(browser, world, width):
    browser.login(world.registrar_a)
    report = check_page(browser, "/import/evidence/", width=width)
    assert "户口簿/户籍证明" in report.text and "学籍号" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_paper_ledger_page(browser, world, pupil, width):
    from xueji.archive import paper_services

    paper_services.paper_item_record(
        actor=world.registrar_a, student=pupil, item="card", cabinet="A柜", box="3盒", keeper="张老师"
    )
    browser.login(world.registrar_a)
    report = check_page(browser, "/archive/paper/", width=width, secrets=[pupil.id_number])
    assert "缺少要求的材料" in report.text


@pytest.mark.parametrize("width", WIDTHS)
def test_receipts_page(browser, world, width):
    from xueji.students import status

    moving = enrolled(world.school_c, grade=3)
    status.enrollment_move(actor=None, student=moving, to_school=world.school_a, reference="ZX1")
    browser.login(world.registrar_a)
    report = check_page(browser, "/archive/receipts/", width=width, secrets=[moving.id_number])
    assert moving.name in report.text
