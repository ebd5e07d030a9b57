"""student_xjh_replace (R6.4): a J or L student obtains a G number; the old one stays an alias."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import clear_audit
from tests.factories import enrollment_payload, family_payload, make_id, student_payload
from xueji.audit.models import AuditEvent
from xueji.core.errors import Conflict, RuleViolation
from xueji.core.identity import mask_xjh
from xueji.students import selectors
from xueji.students.models import XjhAlias
from xueji.students.services import student_import_existing, student_register, student_xjh_replace

BIRTH = dt.date(2020, 3, 15)


def register(world, **student):
    return student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(BIRTH, **student),
        family=family_payload(),
        enrollment=enrollment_payload(),
    )


@pytest.fixture
def j_student(world):
    student = register(world, id_type="Z", id_number="")
    clear_audit()
    return student


def refused(code: str, world, student, number, *, error=RuleViolation) -> RuleViolation:
    old = student.xjh
    with pytest.raises(error) as exc:
        student_xjh_replace(actor=world.registrar_a, student=student, new_xjh=number)
    assert (exc.value.rule, exc.value.code) == ("R6.4", code)
    student.refresh_from_db()
    assert student.xjh == old
    assert not AuditEvent.objects.filter(action="student.xjh_replace").exists()
    return exc.value


def test_r6_4_j_student_obtains_g_number_and_keeps_old_as_alias(world, j_student):
    old = j_student.xjh
    new = "G" + make_id(BIRTH)
    student = student_xjh_replace(actor=world.registrar_a, student=j_student, new_xjh=new.lower())
    assert student.xjh == new
    assert list(student.xjh_aliases.order_by("pk").values_list("number", "is_current")) == [
        (old, False),
        (new, True),
    ]
    for query in (old, new):
        found = selectors.enrollment_search(requested_by=world.registrar_a, q=query)
        assert [e.student_id for e in found] == [student.pk]
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.changes, event.rules) == (
        "student.xjh_replace",
        world.registrar_a,
        {"xjh": [mask_xjh(old), mask_xjh(new)]},  # R21.1: masked in the audit log
        ["R6.4"],
    )
    assert student.history.latest().history_user == world.registrar_a


def test_r6_4_l_student_with_resident_id_gets_g_plus_own_id(world):
    payload = student_payload(BIRTH)
    student = student_import_existing(
        actor=world.registrar_a,
        school=world.school_a,
        xjh="L41050320200315001" + "0",
        student=payload,
        enrollment=enrollment_payload(),
    )
    refused("xjh_id_mismatch", world, student, "G" + make_id(BIRTH))
    assert (
        student_xjh_replace(actor=world.registrar_a, student=student, new_xjh="G" + payload["id_number"]).xjh[
            0
        ]
        == "G"
    )


def test_r6_4_g_student_keeps_the_number(world):
    refused("xjh_not_replaceable", world, register(world), "G" + make_id(BIRTH))


def test_r6_4_only_a_g_number_replaces(world, j_student):
    refused("xjh_not_replaceable", world, j_student, "L41050320200315002" + "0")


def test_r6_4_malformed_number_refused(world, j_student):
    number = make_id(BIRTH)
    refused("xjh_check_char", world, j_student, "G" + number[:17] + ("0" if number[17] != "0" else "1"))


def test_r6_4_number_of_another_student_refused(world, j_student):
    other = register(world)
    error = refused("xjh_taken", world, j_student, other.xjh, error=Conflict)
    assert error.status == 409


def test_r6_4_g_of_someone_elses_id_refused_even_without_alias(world, j_student):
    other_id = make_id(BIRTH)
    student_import_existing(
        actor=world.registrar_a,
        school=world.school_a,
        xjh="L41050320200315003" + "0",
        student=student_payload(BIRTH, id_number=other_id),
        enrollment=enrollment_payload(),
    )
    refused("xjh_taken", world, j_student, "G" + other_id, error=Conflict)


def test_r6_4_an_old_alias_is_never_reused(world, j_student):
    old = j_student.xjh
    student_xjh_replace(actor=world.registrar_a, student=j_student, new_xjh="G" + make_id(BIRTH))
    sibling = register(world, id_type="Z", id_number="")  # same birth date, same district
    assert sibling.xjh != old
    with pytest.raises(Conflict) as exc:
        student_import_existing(
            actor=world.registrar_a,
            school=world.school_a,
            xjh=old,
            student=student_payload(BIRTH, id_type="A", id_number="E7654321"),
            enrollment=enrollment_payload(),
        )
    assert (exc.value.rule, exc.value.code) == ("R6.4", "xjh_taken")
    assert XjhAlias.objects.get(number=old).student == j_student


@pytest.mark.parametrize("persona", ["approver_a", "registrar_c", "officer"])
def test_r2_2_only_the_schools_registrar_replaces(world, j_student, persona):
    with pytest.raises(PermissionDenied):
        student_xjh_replace(actor=getattr(world, persona), student=j_student, new_xjh="G" + make_id(BIRTH))
    assert XjhAlias.objects.get().number == j_student.xjh
