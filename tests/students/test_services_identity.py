"""Identity documents (R6.3, R24.1), duplicates (R6.2) and 学籍号 assignment (R6.4) through student_register."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import enrollment_payload, family_payload, make_id, student_payload
from xueji.audit.models import AuditEvent
from xueji.core.errors import Conflict, RuleViolation
from xueji.core.identity import gb11643_check_char, j_number
from xueji.students.models import Enrollment, Student, XjhAlias
from xueji.students.services import student_import_existing, student_register

BIRTH = dt.date(2020, 3, 15)


def register(world, student, *, actor=None, school=None, **kwargs):
    return student_register(
        actor=actor or world.registrar_a,
        school=school or world.school_a,
        student=student,
        family=family_payload(),
        enrollment=enrollment_payload(),
        **kwargs,
    )


def refusal(world, student, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as exc:
        register(world, student, **kwargs)
    assert not Student.objects.exists()
    return exc.value


def violation(error: RuleViolation, field: str) -> RuleViolation:
    """The violation for one field, whether raised alone or bundled in RuleViolations."""
    found = [v for v in getattr(error, "violations", [error]) if v.field == field]
    assert found, f"no violation for {field}: {error!r}"
    return found[0]


def permit(birth: dt.date, *, prefix: str = "81", male: bool = True) -> str:
    body = f"{prefix}0000{birth:%Y%m%d}00{1 if male else 2}"
    return body + gb11643_check_char(body)


# --------------------------------------------------------------------------- R6.3 resident ID numbers


def test_r6_3_valid_id_normalised_before_storing(world):
    number = make_id(BIRTH)
    typed = " " + number[:6] + " " + "".join(chr(ord(c) + 0xFEE0) for c in number[6:]).lower()
    student = register(world, student_payload(BIRTH, id_number=typed))
    assert student.id_number == number


def test_r6_3_wrong_check_character_refused(world):
    number = make_id(BIRTH)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    error = violation(refusal(world, student_payload(BIRTH, id_number=wrong)), "id_number")
    assert (error.rule, error.code) == ("R6.3", "id_check_char")


def test_r6_3_birth_date_must_equal_the_id_number(world):
    payload = student_payload(BIRTH, id_number=make_id(dt.date(2020, 3, 16)))
    error = violation(refusal(world, payload), "birth_date")
    assert (error.rule, error.code) == ("R6.3", "id_birth_mismatch")


def test_r6_3_gender_must_match_the_17th_digit(world):
    payload = student_payload(BIRTH, id_number=make_id(BIRTH, male=False))  # gender "1"
    error = violation(refusal(world, payload), "gender")
    assert (error.rule, error.code) == ("R6.3", "id_gender_mismatch")


def test_r6_3_impossible_birth_date_in_number_refused(world):
    body = "41050320200230001"
    error = violation(
        refusal(world, student_payload(BIRTH, id_number=body + gb11643_check_char(body))), "id_number"
    )
    assert error.code == "id_birth_date"


def test_r6_3_unknown_region_needs_confirmation(world):
    payload = student_payload(BIRTH, id_number=make_id(BIRTH, region="410599"))
    error = violation(refusal(world, payload), "id_number")
    assert (error.rule, error.code) == ("R6.3", "id_region_unconfirmed")
    assert "410599" in error.message


def test_r6_3_confirmed_unknown_region_registers_with_a_warning_in_the_audit_note(world):
    payload = student_payload(BIRTH, id_number=make_id(BIRTH, region="410599"))
    student = register(world, payload, confirm_region=True)
    assert student.xjh == "G" + student.id_number
    assert "410599" in AuditEvent.objects.get().note


def test_r6_3_unknown_province_is_a_refusal_even_when_confirmed(world):
    payload = student_payload(BIRTH, id_number=make_id(BIRTH, region="960503"))
    error = violation(refusal(world, payload, confirm_region=True), "id_number")
    assert error.code == "id_province"


def test_r6_3_id_number_required_unless_type_z(world):
    error = violation(refusal(world, student_payload(BIRTH, id_number="")), "id_number")
    assert (error.rule, error.code) == ("R6.3", "required")


# --------------------------------------------------------------------------- R24.1 other documents


@pytest.mark.parametrize("prefix", ["81", "82", "83"])
def test_r24_1_residence_permit_validated_like_an_id(world, prefix):
    student = register(world, student_payload(BIRTH, id_type="C", id_number=permit(BIRTH, prefix=prefix)))
    assert student.id_type == "C"
    assert student.xjh.startswith("J")  # R6.4: not a resident ID, so a J number


def test_r24_1_residence_permit_check_character_refused(world):
    number = permit(BIRTH)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    error = violation(refusal(world, student_payload(BIRTH, id_type="C", id_number=wrong)), "id_number")
    assert error.code == "id_check_char"


def test_r24_1_residence_permit_birth_date_must_match(world):
    payload = student_payload(BIRTH, id_type="C", id_number=permit(dt.date(2020, 3, 14)))
    assert violation(refusal(world, payload), "birth_date").code == "id_birth_mismatch"


def test_r24_1_permit_number_typed_as_resident_id_refused(world):
    error = violation(refusal(world, student_payload(BIRTH, id_type="1", id_number=permit(BIRTH))), "id_type")
    assert (error.rule, error.code) == ("R24.1", "id_type_mismatch")


@pytest.mark.parametrize(
    ("id_type", "number"), [("A", "E12345678"), ("8", "12345678"), ("8", "1234567890(B)")]
)
def test_r24_1_passport_and_travel_permit_accepted_by_format(world, id_type, number):
    student = register(world, student_payload(BIRTH, id_type=id_type, id_number=number))
    assert (student.id_type, student.id_number) == (id_type, number)
    assert student.xjh.startswith("J")


@pytest.mark.parametrize(
    ("id_type", "number"), [("A", "E12"), ("A", "E1234-5678"), ("8", "1234567"), ("8", "H12345678")]
)
def test_r24_1_malformed_passport_or_travel_permit_refused(world, id_type, number):
    error = violation(refusal(world, student_payload(BIRTH, id_type=id_type, id_number=number)), "id_number")
    assert (error.rule, error.code) == ("R24.1", "id_format")


# --------------------------------------------------------------------------- R6.2 duplicates


def test_r6_2_duplicate_names_the_holding_school_and_nothing_else(world):
    payload = student_payload(BIRTH, name="欧阳子涵")
    register(world, payload)
    again = dict(payload, id_number=" " + payload["id_number"].lower())
    with pytest.raises(Conflict) as exc:
        register(world, again, actor=world.registrar_c, school=world.school_c)
    error = exc.value
    assert (error.rule, error.code, error.field, error.status) == ("R6.2", "duplicate", "id_number", 409)
    assert world.school_a.name in error.message
    assert "转学" in error.message
    for secret in ("欧阳子涵", payload["id_number"], "2020-03-15", "2020年03月15日", "20200315"):
        assert secret not in error.message
    assert Student.objects.count() == 1
    lookup = AuditEvent.objects.get(action="student.duplicate_lookup")  # R6.2: every such lookup logged
    assert (lookup.actor, lookup.school, lookup.subject_id) == (
        world.registrar_c,
        world.school_c,
        str(Student.objects.get().pk),
    )
    assert lookup.note == "证件号已有学籍，姓名一致，已告知所在学校"
    assert AuditEvent.objects.count() == 2  # the registration and the lookup: nothing else


def test_r6_2_with_another_name_the_refusal_says_only_that_the_number_is_taken(world):
    payload = student_payload(BIRTH, name="欧阳子涵")
    register(world, payload)
    with pytest.raises(Conflict) as exc:
        register(world, dict(payload, name="王小明"), actor=world.registrar_c, school=world.school_c)
    assert (
        exc.value.message
        == "该证件号码已在本系统建立学籍，不能重复建立（第六条：不得重复建立学籍）。请核对证件号码。"
    )
    assert world.school_a.name not in exc.value.message
    lookup = AuditEvent.objects.get(action="student.duplicate_lookup")
    assert lookup.note == "证件号已有学籍，姓名不一致，未告知学校"


def test_r6_2_the_former_name_counts_as_the_name(world):
    student = register(world, student_payload(BIRTH, name="欧阳子涵"))
    Student.objects.filter(pk=student.pk).update(name="欧阳梓涵", former_name="欧阳子涵")
    with pytest.raises(Conflict) as exc:
        register(world, student_payload(BIRTH, name="欧阳子涵", id_number=student.id_number))
    assert world.school_a.name in exc.value.message


def test_r6_2_duplicate_passport_refused(world):
    register(world, student_payload(BIRTH, id_type="A", id_number="E12345678"))
    with pytest.raises(Conflict):
        register(world, student_payload(BIRTH, id_type="A", id_number="e12345678"))


def test_r6_2_same_number_as_another_document_type_is_another_person(world):
    register(world, student_payload(BIRTH, id_type="A", id_number="12345678"))
    assert register(world, student_payload(BIRTH, id_type="8", id_number="12345678")).id_type == "8"


# --------------------------------------------------------------------------- R6.4 学籍号


def test_r6_4_g_number_is_g_plus_id(world):
    student = register(world, student_payload(BIRTH))
    assert student.xjh == "G" + student.id_number
    assert student.xjh_aliases.get().number == student.xjh


def test_r6_4_no_id_number_gets_j_number_of_the_district(world):
    student = register(world, student_payload(BIRTH, id_type="Z", id_number=""))
    assert student.xjh == j_number(region_code="410503", birth_date=BIRTH, sequence=1)


def test_r6_4_same_birth_date_same_district_gets_next_sequence(world):
    first = register(world, student_payload(BIRTH, id_type="Z", id_number=""))
    second = register(world, student_payload(BIRTH, id_type="A", id_number="E7654321"))
    other_district = register(
        world,
        student_payload(BIRTH, id_type="Z", id_number=""),
        actor=world.registrar_c,
        school=world.school_c,
    )
    assert first.xjh[1:] != second.xjh[1:]
    assert second.xjh == j_number(region_code="410503", birth_date=BIRTH, sequence=2)
    assert other_district.xjh == j_number(region_code="410502", birth_date=BIRTH, sequence=1)


def test_r6_4_j_sequence_continues_after_imported_numbers(world):
    imported = j_number(region_code="410503", birth_date=BIRTH, sequence=7)
    student_import_existing(
        actor=world.registrar_a,
        school=world.school_a,
        xjh=imported,
        student=student_payload(BIRTH, id_type="Z", id_number=""),
        enrollment=enrollment_payload(grade=1, entry_date="2026-09-01"),
    )
    # Another child born that day (another name: the same name would be a possible duplicate, R6.2).
    student = register(world, student_payload(BIRTH, id_type="Z", id_number="", name="王小华"))
    assert student.xjh == j_number(region_code="410503", birth_date=BIRTH, sequence=8)


def test_r6_4_g_number_never_reused_for_another_child(world):
    # A record imported with "G + an ID number" that is not its holder's (R6.4: the number does not
    # follow a later correction of the ID): the child who really has that ID cannot get it again.
    their_id = make_id(BIRTH)
    student_import_existing(
        actor=world.registrar_a,
        school=world.school_a,
        xjh="G" + their_id,
        student=student_payload(dt.date(2019, 5, 5)),
        enrollment=enrollment_payload(grade=2, entry_date="2025-09-01"),
    )
    with pytest.raises(Conflict) as exc:
        register(world, student_payload(BIRTH, id_number=their_id))
    assert (exc.value.rule, exc.value.code) == ("R6.4", "xjh_taken")
    # The insert failed on the unique index after the refusal checks: everything rolled back.
    assert (Student.objects.count(), XjhAlias.objects.count(), AuditEvent.objects.count()) == (1, 1, 1)
    assert not Enrollment.objects.filter(origin="new").exists()
