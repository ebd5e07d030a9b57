"""Input validation through student_register (R2.3): codes, formats, every wrong field at once."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.core.errors import RuleViolation, RuleViolations
from xueji.students.models import Student
from xueji.students.services import student_register


def register(world, student=None, family=None, enrollment=None):
    return student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student or student_payload(),
        family=family_payload() if family is None else family,
        enrollment=enrollment or enrollment_payload(),
    )


def violations(world, **kwargs) -> dict[str, RuleViolation]:
    with pytest.raises(RuleViolations) as exc:
        register(world, **kwargs)
    assert not Student.objects.exists()
    fields = [v.field for v in exc.value.violations]
    assert len(fields) == len(set(fields)), "one message per field"
    return {v.field: v for v in exc.value.violations}


@pytest.mark.parametrize("ethnicity", ["01", "汉族", " 汉族 ", "01 汉族"])
def test_r2_3_code_fields_accept_code_or_name(world, ethnicity):
    assert register(world, student_payload(ethnicity=ethnicity, health="健康或良好")).ethnicity == "01"


def test_r2_3_unknown_code_refused_at_its_field(world):
    found = violations(world, student=student_payload(ethnicity="火星族"))
    assert set(found) == {"ethnicity"}
    assert (found["ethnicity"].rule, found["ethnicity"].code) == ("R2.3", "invalid")
    assert "民族" in found["ethnicity"].message and "火星族" in found["ethnicity"].message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "1381234567"),
        ("phone", "23812345678"),
        ("postal_code", "45500"),
        ("postal_code", "45500a"),
        ("birthplace_code", "41050"),
        ("household_place_code", "4105031"),
        ("email", "not-an-email"),
        ("homepage", "ftp://example.com"),
        ("commute_km", "-1"),
        ("only_child", "也许"),
    ],
)
def test_r2_3_malformed_value_refused_at_its_field(world, field, value):
    assert set(violations(world, student=student_payload(**{field: value}))) == {field}


@pytest.mark.parametrize("phone", ["13812345678", "0372-5961234", "03725961234", " 138 1234 5678 "])
def test_r2_3_mobile_and_landline_accepted(world, phone):
    assert register(world, student_payload(phone=phone)).phone == phone.replace(" ", "")


def test_r2_3_every_wrong_field_reported_together(world):
    found = violations(
        world,
        student=student_payload(
            phone="12", postal_code="1", ethnicity="x", birthplace_code="abc", name="王1"
        ),
    )
    assert set(found) == {"phone", "postal_code", "ethnicity", "birthplace_code", "name"}
    assert all(v.rule == "R2.3" for v in found.values())


def test_r2_3_required_identity_fields(world):
    payload = student_payload()
    for field in ("name", "gender", "birth_date", "id_type"):
        payload[field] = ""
    assert set(violations(world, student=payload)) == {"name", "gender", "birth_date", "id_type"}


def test_r2_3_family_errors_named_per_member(world):
    family = family_payload(phone="123")
    family[1]["relation"] = "邻居"
    found = violations(world, family=family)
    assert set(found) == {"family1_phone", "family2_relation"}
    assert found["family2_relation"].message.startswith("成员二")


def test_r2_3_at_most_two_family_members(world):
    with pytest.raises(RuleViolation) as exc:
        register(world, family=family_payload() * 2)
    assert exc.value.field == "family"


def test_r2_3_enrollment_fields_required_and_coded(world):
    found = violations(
        world,
        enrollment={
            "grade": "十年级",
            "entry_date": "2026-13-01",
            "entry_mode": "",
            "attendance_mode": "飞行",
        },
    )
    assert set(found) == {"grade", "entry_date", "entry_mode", "attendance_mode"}


def test_r2_3_dates_accept_common_formats(world):
    student = register(
        world,
        student_payload(dt.date(2020, 3, 15), birth_date="2020年03月15日"),
        enrollment=enrollment_payload(entry_date="2026/09/01", grade="一年级"),
    )
    assert student.birth_date == dt.date(2020, 3, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-03-15", dt.date(2020, 3, 15)),
        ("2020.3.5", dt.date(2020, 3, 5)),
        ("20200315", dt.date(2020, 3, 15)),
        ("２０２０-０３-１５", dt.date(2020, 3, 15)),
        (" 2020-03-15 ", dt.date(2020, 3, 15)),
    ],
)
def test_r2_3_date_cells_read_in_every_accepted_shape(text, expected):
    from xueji.students.validation import parse_date

    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2020-02-30", "2021-02-29", "2020-W01-1", "2020-13-01", "15/03/2020"])
def test_r2_3_dates_that_do_not_exist_are_refused(text):
    from xueji.students.validation import parse_date

    with pytest.raises(ValueError, match="不是有效日期"):
        parse_date(text)


def test_r6_1_birth_date_in_the_future_refused(world):
    payload = student_payload(id_type="Z", id_number="", birth_date="2026-09-11")
    assert violations(world, student=payload)["birth_date"].code == "future_birth"


def test_r2_3_regular_class_disability_must_agree(world):
    found = violations(world, student=student_payload(regular_class_disabled="1", disability="2"))
    assert found["regular_class_disabled"].code == "disability_mismatch"
    assert register(world, student_payload(regular_class_disabled="3", disability="5")).disability == "5"


def test_r2_3_regular_class_needs_a_disability(world):
    found = violations(world, student=student_payload(regular_class_disabled="1"))
    assert found["regular_class_disabled"].code == "disability_mismatch"
