"""R21.1: every view of a record, every search and every download is logged, without the ID number."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from tests.conftest import login
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.audit.models import AuditEvent
from xueji.students.services import evidence_attach, student_register


def _student(world):
    return student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(dt.date(2020, 4, 4)),
        family=family_payload(),
        enrollment=enrollment_payload(),
    )


def test_r21_1_viewing_a_record_is_logged(world):
    student = _student(world)
    login(world.officer).get(f"/students/{student.pk}/")
    event = AuditEvent.objects.get(action="student.view")
    assert event.actor == world.officer and event.subject_id == str(student.pk)
    assert event.school == world.school_a and event.rules == ["R21.1"]


def test_r21_1_a_search_is_logged_with_the_id_number_masked(world):
    student = _student(world)
    login(world.registrar_a).post("/students/", {"q": student.id_number}, follow=True)
    event = AuditEvent.objects.get(action="student.search")
    assert student.id_number not in event.note
    assert student.id_number[:6] + "********" + student.id_number[-4:] in event.note


def test_r21_1_a_download_is_logged(world):
    student = _student(world)
    item = evidence_attach(
        actor=world.registrar_a,
        student=student,
        file=BytesIO(b"%PDF-1.4 x"),
        original_name="a.pdf",
        category="other",
    )
    login(world.approver_a).get(f"/students/evidence/{item.pk}/download/")
    assert AuditEvent.objects.filter(action="evidence.download", actor=world.approver_a).count() == 1


def test_r21_1_the_auditor_sees_the_reads_of_their_district(world):
    student = _student(world)
    login(world.officer).get(f"/students/{student.pk}/")
    page = login(world.auditor).get("/audit/", {"action": "student.view"}).content.decode()
    assert "student.view" in page and "周科长" in page
