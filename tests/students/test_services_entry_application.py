"""R3.3: deferral and late entry are applications decided by the district; registration reads the decision."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import enrollment_payload, family_payload, make_id, student_payload
from xueji.audit.models import AuditEvent
from xueji.core.errors import Conflict, RuleViolation
from xueji.org.models import SchoolYear, Semester
from xueji.students.models import EntryApplication, Student
from xueji.students.services import entry_application_decide, entry_application_submit, student_register

LATE = dt.date(2019, 8, 31)  # eligible in 2025, so entering in 2026 needs the district's approval


def submit(world, birth=LATE, *, kind="late_entry", entry_year=2026, actor=None, **data):
    payload = {
        "kind": kind,
        "child_name": "王小明",
        "id_number": make_id(birth),
        "entry_year": entry_year,
        "reason": "去年随父母在外地务工，未能入学。",
        "guardian_name": "王建国",
        "guardian_phone": "13912345678",
        **data,
    }
    return entry_application_submit(actor=actor or world.registrar_a, school=world.school_a, data=payload)


def register(world, application, entry_date="2026-09-01"):
    return student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(application.birth_date, id_number=application.id_number),
        family=family_payload(),
        enrollment=enrollment_payload(entry_date=entry_date),
    )


def refused_without_decision(world, application, **kwargs) -> None:
    with pytest.raises(RuleViolation) as exc:
        register(world, application, **kwargs)
    assert (exc.value.rule, exc.value.code, exc.value.field) == (
        "R3.3",
        "entry_application_required",
        "birth_date",
    )
    assert "区教育局" in exc.value.message and "入学申请" in exc.value.message
    assert not Student.objects.exists()


def test_r3_3_child_eligible_last_year_refused_without_application(world):
    refused_without_decision(world, EntryApplication(birth_date=LATE, id_number=make_id(LATE)))


def test_r3_3_child_born_after_last_years_cutoff_needs_no_application(world):
    birth = dt.date(2019, 9, 1)
    assert register(world, EntryApplication(birth_date=birth, id_number=make_id(birth))).birth_date == birth


def test_r3_3_submit_decide_then_register(world):
    application = submit(world)
    assert application.state == "pending"
    refused_without_decision(world, application)
    decided = entry_application_decide(
        actor=world.officer, application=application, approve=True, comment="同意"
    )
    assert (decided.state, decided.decided_by) == ("approved", world.officer)
    student = register(world, application)
    assert "R3.3" in AuditEvent.objects.get(action="student.register").rules
    assert student.birth_date == LATE
    assert list(AuditEvent.objects.order_by("pk").values_list("action", "actor")) == [
        ("entry_application.submit", world.registrar_a.pk),
        ("entry_application.decide", world.officer.pk),
        ("student.register", world.registrar_a.pk),
    ]


def test_r3_3_approval_is_for_that_child_only(world):
    entry_application_decide(actor=world.officer, application=submit(world), approve=True)
    other = EntryApplication(birth_date=LATE, id_number=make_id(LATE))
    refused_without_decision(world, other)


def test_r3_3_rejected_application_still_refused(world):
    application = submit(world)
    entry_application_decide(actor=world.officer, application=application, approve=False, comment="材料不全")
    refused_without_decision(world, application)


def test_r3_3_deferral_lets_the_child_enter_the_later_year(world, settings):
    birth = dt.date(2020, 1, 10)  # eligible in 2026
    application = submit(
        world, birth, kind="deferral", entry_year=2027, reason="身体原因，医院建议推迟一年。"
    )
    entry_application_decide(actor=world.officer, application=application, approve=True)
    year = SchoolYear.objects.create(start_year=2027, start=dt.date(2027, 8, 20), end=dt.date(2028, 8, 19))
    Semester.objects.create(
        school_year=year,
        term="autumn",
        start=dt.date(2027, 9, 1),
        end=dt.date(2028, 1, 20),
        teaching_weeks=20,
        teaching_hours=600,
    )
    settings.XUEJI_FIXED_TODAY = "2027-09-01"
    assert register(world, application, entry_date="2027-09-01").birth_date == birth


def test_r3_3_reject_without_reason_refused(world):
    application = submit(world)
    for comment in ("", "   "):
        with pytest.raises(RuleViolation) as exc:
            entry_application_decide(
                actor=world.officer, application=application, approve=False, comment=comment
            )
        assert (exc.value.rule, exc.value.code, exc.value.field) == ("R3.3", "reason_required", "comment")
    application.refresh_from_db()
    assert application.state == "pending"


def test_r3_3_decide_twice_refused(world):
    application = submit(world)
    entry_application_decide(actor=world.officer, application=application, approve=True)
    with pytest.raises(RuleViolation) as exc:
        entry_application_decide(actor=world.officer, application=application, approve=False, comment="撤回")
    assert (exc.value.rule, exc.value.code) == ("R3.3", "already_decided")
    application.refresh_from_db()
    assert application.state == "approved"
    assert AuditEvent.objects.filter(action="entry_application.decide").count() == 1


@pytest.mark.parametrize("persona", ["registrar_a", "approver_a", "admin", "auditor", "officer_wf"])
def test_r3_3_only_the_districts_officer_decides(world, persona):
    application = submit(world)
    with pytest.raises(PermissionDenied):
        entry_application_decide(actor=getattr(world, persona), application=application, approve=True)
    application.refresh_from_db()
    assert application.state == "pending"


@pytest.mark.parametrize("persona", ["approver_a", "officer", "registrar_c"])
def test_r3_3_only_the_schools_registrar_submits(world, persona):
    with pytest.raises(PermissionDenied):
        submit(world, actor=getattr(world, persona))
    assert not EntryApplication.objects.exists()


def test_r3_3_submit_reports_every_wrong_field(world):
    with pytest.raises(RuleViolation) as exc:
        submit(world, kind="other", id_number="123", entry_year=2031, reason=" ", guardian_phone="12")
    fields = {v.field for v in exc.value.violations}
    assert fields == {"kind", "id_number", "entry_year", "reason", "guardian_phone"}
    assert not AuditEvent.objects.exists()


def test_r3_3_second_pending_application_for_a_child_refused(world):
    first = submit(world)
    with pytest.raises(Conflict) as exc:
        submit(world, id_number=" " + first.id_number.lower())
    assert (exc.value.rule, exc.value.code) == ("R3.3", "duplicate")
    entry_application_decide(actor=world.officer, application=first, approve=False, comment="材料不全")
    assert submit(world, id_number=first.id_number).state == "pending"  # a new application after a decision
