"""The 学籍卡 (R7.3, R21.1): one student's card and a class's cards in one PDF, for the school's paper
archive — base information as people read it, family, every enrollment, completed status changes,
evidence; the full ID number only for the registrar; watermarked and logged per student; no one
outside the school prints it; a class's cards in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.changes.builders import case_in_state
from tests.changes.test_batch import page_count, pdf_pages
from tests.conftest import login
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.audit.models import AuditEvent
from xueji.students.services import student_register

pytestmark = pytest.mark.django_db


def _pupil(world, n: int = 0):
    return student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(dt.date(2020, 3, 1 + n), name=f"王小{'明红刚强丽'[n]}"),
        family=family_payload(),
        enrollment=enrollment_payload(),
        school_class=world.class_a1,
    )


def _text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return "".join(pdf_pages(response.content))


def test_r7_3_the_registrar_prints_a_students_card_with_the_record_as_people_read_it(world):
    pupil = _pupil(world)
    text = _text(login(world.registrar_a).get(f"/students/{pupil.pk}/card.pdf"))
    for expected in (
        "学生学籍卡",
        "王小明",
        pupil.id_number,
        "河南省安阳市北关区",
        "汉族",
        "非农业户口",
        "王建国",
    ):
        assert expected in text, expected
    assert "北关区红旗路小学" in text and "新生注册" in text and "在读（当前）" in text
    assert "张老师" in text and "打印" in text  # the footer and the watermark say who printed it


def test_r21_1_the_approver_prints_the_card_with_the_id_number_masked(world):
    pupil = _pupil(world)
    text = _text(login(world.approver_a).get(f"/students/{pupil.pk}/card.pdf"))
    assert pupil.id_number not in text and pupil.id_number[:6] + "********" in text


def test_r21_1_each_print_is_logged_per_student(world):
    pupil = _pupil(world)
    login(world.registrar_a).get(f"/students/{pupil.pk}/card.pdf")
    event = AuditEvent.objects.get(action="student.card_print")
    assert (event.actor, event.subject_id, event.school) == (world.registrar_a, str(pupil.pk), world.school_a)


def test_r17_1_the_card_lists_completed_status_changes_and_filed_evidence(world):
    case = case_in_state("repetition", "completed", world)
    text = _text(login(world.registrar_a).get(f"/students/{case.student_id}/card.pdf"))
    assert case.number in text and "留级" in text and "未登记" in text
    assert "学籍变动材料" in text  # the case's documents, filed in category (二)


def test_r7_3_a_classs_cards_in_one_pdf_one_card_per_page_in_a_fixed_number_of_queries(world):
    client = login(world.registrar_a)
    _pupil(world, 0)
    with CaptureQueriesContext(connection) as one:
        first = client.get(f"/students/classes/{world.class_a1.pk}/cards.pdf")
    for n in range(1, 5):
        _pupil(world, n)
    with CaptureQueriesContext(connection) as five:
        response = client.get(f"/students/classes/{world.class_a1.pk}/cards.pdf")
    text = "".join(pdf_pages(response.content))
    assert first.status_code == 200 and text.count("学生学籍卡") == 5
    assert page_count(response.content) == 5 * page_count(first.content)  # each card starts a page
    assert len(five.captured_queries) == len(one.captured_queries)
    assert AuditEvent.objects.filter(action="student.card_print").count() == 6


def test_r2_2_no_one_outside_the_school_prints_a_card(world):
    pupil = _pupil(world)
    assert login(world.registrar_c).get(f"/students/{pupil.pk}/card.pdf").status_code == 404
    assert login(world.registrar_c).get(f"/students/classes/{world.class_a1.pk}/cards.pdf").status_code == 404
    assert login(world.officer).get(f"/students/{pupil.pk}/card.pdf").status_code == 403
    assert not AuditEvent.objects.filter(action="student.card_print").exists()


def test_r7_3_the_record_and_the_school_page_link_the_cards_for_the_schools_staff(world):
    pupil = _pupil(world)
    for user in (world.registrar_a, world.approver_a):
        assert f"/students/{pupil.pk}/card.pdf" in login(user).get(f"/students/{pupil.pk}/").content.decode()
    assert "card.pdf" not in login(world.officer).get(f"/students/{pupil.pk}/").content.decode()
    school_page = login(world.registrar_a).get(f"/schools/{world.school_a.pk}/").content.decode()
    assert f"/students/classes/{world.class_a1.pk}/cards.pdf" in school_page


def test_r7_2_the_card_summarises_categories_three_to_six_masking_health_for_the_approver(world):
    from xueji.archive import services as archive_services

    pupil = _pupil(world)
    archive_services.entry_add(
        actor=world.registrar_a,
        student=pupil,
        kind="academic",
        values={"semester": "2025-2026学年第二学期", "subject": "数学", "result": "优秀"},
    )
    archive_services.entry_add(
        actor=world.registrar_a,
        student=pupil,
        kind="health",
        values={"checked_on": "2026-05-20", "institution": "北关区妇幼保健院", "conclusion": "未见异常"},
    )
    registrar = _text(login(world.registrar_a).get(f"/students/{pupil.pk}/card.pdf"))
    assert "学业成绩" in registrar and "科目：数学" in registrar and "北关区妇幼保健院" in registrar
    approver = _text(login(world.approver_a).get(f"/students/{pupil.pk}/card.pdf"))
    assert "科目：数学" in approver and "北关区妇幼保健院" not in approver and "保密" in approver
