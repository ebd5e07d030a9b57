"""student_update: history (R2.3), key fields (R9.1), completeness and overdue records (R5.1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import clear_audit
from tests.factories import enrollment_payload, family_payload, make_id, student_payload
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.students import selectors
from xueji.students.services import student_register, student_update

BIRTH = dt.date(2020, 3, 15)


def register(world, *, actor=None, school=None, family=None, **student):
    return student_register(
        actor=actor or world.registrar_a,
        school=school or world.school_a,
        student=student_payload(BIRTH, **student),
        family=family_payload() if family is None else family,
        enrollment=enrollment_payload(),
    )


@pytest.fixture
def student(world):
    registered = register(world)
    clear_audit()
    return registered


def update(world, student, changes, **kwargs):
    return student_update(actor=world.registrar_a, student=student, changes=changes, **kwargs)


def test_r2_3_update_keeps_history_with_who_and_old_new(world, student):
    update(world, student, {"current_address": "安阳市北关区彰德路8号", "phone": "0372-5961234"})
    latest = student.history.latest()
    assert latest.history_user == world.registrar_a
    assert latest.current_address == "安阳市北关区彰德路8号"
    changes = {c.field: c for c in selectors.student_history(requested_by=world.registrar_a, student=student)}
    assert (changes["现住址"].old, changes["现住址"].new) == (
        "安阳市北关区红旗路12号",
        "安阳市北关区彰德路8号",
    )
    assert (changes["联系电话"].kind, changes["联系电话"].user) == ("修改", "张老师")


def test_r2_3_update_writes_exactly_one_audit_event(world, student):
    update(world, student, {"specialty": "书法", "phone": "13800000000"})
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.school) == ("student.update", world.registrar_a, world.school_a)
    # R21.1: the audit log keeps phones masked (the record's own history keeps the values).
    assert event.changes == {"specialty": ["", "书法"], "phone": ["138****5678", "138****0000"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "王大明"),
        ("gender", "2"),
        ("birth_date", "2020-03-16"),
        ("id_type", "A"),
        ("id_number", make_id(BIRTH, region="410502")),  # never the fixture's own number
        ("ethnicity", "回族"),
    ],
)
def test_r9_1_key_fields_refused(world, student, field, value):
    with pytest.raises(RuleViolation) as exc:
        update(world, student, {field: value, "specialty": "书法"})
    assert (exc.value.rule, exc.value.code, exc.value.field) == ("R9.1", "key_field_change", field)
    assert "第九条" in exc.value.message and "区教育局" in exc.value.message
    assert student.history.count() == 1
    assert not AuditEvent.objects.exists()


def test_r9_1_unchanged_key_fields_in_a_whole_form_are_accepted(world, student):
    form = student_payload(
        BIRTH, id_number=" " + student.id_number.lower(), ethnicity="汉族", specialty="围棋"
    )
    assert update(world, student, form).specialty == "围棋"


def test_r9_1_unchanged_id_with_confirmed_unknown_region_is_not_rechecked(world):
    student = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(BIRTH, id_number=make_id(BIRTH, region="410599")),
        enrollment=enrollment_payload(),
        confirm_region=True,
    )
    form = student_payload(BIRTH, id_number=student.id_number, specialty="围棋")
    assert update(world, student, form).specialty == "围棋"


def test_r2_3_clearing_optional_fields_stores_empty_values(world, student):
    update(world, student, {"email": "wang@example.cn", "homepage": "https://example.cn"})  # blank: filled
    updated = update(world, student, {"email": "", "homepage": None, "school_bus": None, "commute_km": ""})
    updated.refresh_from_db()
    assert (updated.email, updated.homepage, updated.school_bus, updated.commute_km) == ("", "", False, None)


def test_r9_1_clearing_a_filled_value_outside_the_direct_list_needs_the_request(world, student):
    with pytest.raises(RuleViolation) as exc:
        update(world, student, {"only_child": None, "nationality": "", "political_status": None})
    assert (exc.value.rule, exc.value.code, exc.value.field) == (
        "R9.1",
        "needs_change_request",
        "nationality",
    )
    student.refresh_from_db()
    assert (student.only_child, student.nationality) == (False, "CHN")


def test_r2_3_a_change_is_checked_for_consistency_with_the_stored_record(world, student):
    """Disability fields change through the request (R9.1); it checks the merged record."""
    from xueji.students.information_services import information_change_check

    assert information_change_check(student, {"regular_class_disabled": "1", "disability": "1"}).key is False
    with pytest.raises(RuleViolation) as exc:
        information_change_check(student, {"regular_class_disabled": "1", "disability": "4"})
    assert exc.value.code == "disability_mismatch"


def test_r6_6_home_taught_student_keeps_a_disability(world):
    from xueji.students.information_services import information_change_check

    student = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(BIRTH, disability="4"),
        enrollment=enrollment_payload(attendance_mode="4"),
    )
    with pytest.raises(RuleViolation) as exc:
        information_change_check(student, {"disability": "0"})
    assert exc.value.rule == "R6.6"


def test_r2_2_only_the_schools_registrar_updates(world, student):
    for persona in (world.registrar_c, world.approver_a, world.officer):
        with pytest.raises(PermissionDenied):
            student_update(actor=persona, student=student, changes={"specialty": "书法"})
    assert not AuditEvent.objects.exists()


def test_r2_3_family_member_changed_is_in_history_and_never_deleted(world, student):
    father = family_payload()[0]
    update(world, student, {}, family=[dict(father, phone="13900000000"), {}])
    # Member two, left blank, is kept: nothing is ever hard-deleted (R2.3).
    assert list(student.family.values_list("name", "phone")) == [
        ("王建国", "13900000000"),
        ("李红", "13712345678"),
    ]
    changes = selectors.student_history(requested_by=world.registrar_a, student=student)
    assert ("家庭成员", "修改", "联系电话") in {(c.what, c.kind, c.field) for c in changes}
    assert not any(c.kind == "删除" for c in changes)
    replaced = dict(family_payload()[1], name="王奶奶", relation="3")
    update(world, student, {}, family=[{}, replaced])
    assert AuditEvent.objects.order_by("-pk").first().changes["family"] == [
        ["王建国", "李红"],
        ["王建国", "王奶奶"],
    ]
