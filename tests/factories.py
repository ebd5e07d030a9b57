"""Test data: valid synthetic identities and ready-made registration payloads."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from xueji.core.identity import gb11643_check_char

_sequence = itertools.count(1)


def make_id(birth: dt.date, *, region: str = "410503", male: bool = True, seq: int | None = None) -> str:
    """A synthetic resident ID number with a correct check character (R6.3)."""
    n = seq if seq is not None else next(_sequence) % 500
    sequence = (n * 2 + (1 if male else 0)) % 1000
    if sequence % 2 != (1 if male else 0):
        sequence = (sequence + 1) % 1000
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + gb11643_check_char(body)


def student_payload(
    birth: dt.date = dt.date(2020, 3, 15), *, male: bool = True, **overrides: Any
) -> dict[str, Any]:
    """Every ★ field of the national form filled in: a complete record (R5.1)."""
    data = {
        "name": "王小明",
        "gender": "1" if male else "2",
        "birth_date": birth.isoformat(),
        "birthplace_code": "410503",
        "native_place": "河南安阳",
        "ethnicity": "01",
        "nationality": "CHN",
        "id_type": "1",
        "id_number": make_id(birth, male=male),
        "hk_mo_tw": "00",
        "political_status": "13",
        "health": "10",
        "household_place_code": "410503",
        "household_type": "2",
        "current_address": "安阳市北关区红旗路12号",
        "mailing_address": "安阳市北关区红旗路12号",
        "home_address": "安阳市北关区红旗路12号",
        "phone": "13812345678",
        "postal_code": "455000",
        "only_child": "否",
        "preschool": "是",
    }
    data.update(overrides)
    return data


def family_payload(**overrides: Any) -> list[dict[str, Any]]:
    father = {
        "name": "王建国",
        "relation": "1",
        "phone": "13912345678",
        "is_guardian": True,
        "id_type": "1",
        "id_number": make_id(dt.date(1988, 5, 4), male=True),
        "employer": "安阳钢铁集团",
    }
    father.update(overrides)
    return [father, {"name": "李红", "relation": "2", "phone": "13712345678", "is_guardian": True}]


def enrollment_payload(**overrides: Any) -> dict[str, Any]:
    data = {"grade": 1, "entry_date": "2026-09-01", "entry_mode": "11", "attendance_mode": "1", "source": "1"}
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- factory_boy: places and people

import factory  # noqa: E402
from factory.django import DjangoModelFactory  # noqa: E402

from xueji.org.models import GradeCapacity, Jurisdiction, RegistrarFiling, Role, School, User  # noqa: E402

PASSWORD = "Xueji-test-2026!"


class DistrictFactory(DjangoModelFactory):
    """A district under 安阳市 (created on first use, like the province)."""

    class Meta:
        model = Jurisdiction
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"4105{n + 20:02d}")
    name = factory.Sequence(lambda n: f"测试{n}区")
    level = "district"
    parent = factory.LazyFunction(
        lambda: Jurisdiction.objects.get_or_create(
            code="410500",
            defaults={
                "name": "安阳市",
                "level": "city",
                "parent": Jurisdiction.objects.get_or_create(
                    code="410000", defaults={"name": "河南省", "level": "province"}
                )[0],
            },
        )[0]
    )


class SchoolFactory(DjangoModelFactory):
    """A primary school with two classes of 45 seats per grade."""

    class Meta:
        model = School
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    district = factory.SubFactory(DistrictFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.district.code}{n + 100:04d}")
    name = factory.Sequence(lambda n: f"测试第{n}小学")
    kind = "primary"
    grade_from = 1
    grade_to = 6

    @factory.post_generation
    def capacities(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            for grade in obj.grades:
                GradeCapacity.objects.get_or_create(
                    school=obj, grade=grade, defaults={"classes": 2, "seats_per_class": 45}
                )


def persona(role: str, *, school: School | None = None, jurisdiction: Jurisdiction | None = None) -> User:
    """The one account of ``role`` at a school or jurisdiction (made on first use): a registrar,
    an approver, an officer … as the tests' named personas."""
    unit = school.code if school is not None else jurisdiction.code  # type: ignore[union-attr]
    username = f"{role}_{unit}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            role=role,
            school=school,
            jurisdiction=jurisdiction,
            full_name=f"{dict(Role.choices)[role]}{unit[-3:]}",
        )
        user.set_password(PASSWORD)
        user.save()
        if role == Role.REGISTRAR:  # R19.1: filed and trained, as the demo's registrars are
            RegistrarFiling.objects.create(
                school=school,
                user=user,
                state=RegistrarFiling.State.ACTIVE,
                full_name=user.full_name,
                trained_on=dt.date(2025, 8, 1),
                started_on=dt.date(2025, 8, 1),
            )
    return user


def household_proof(student: Any, *, actor: User | None = None) -> Any:
    """The household register scan R5.1 requires by default, uploaded by the school's registrar."""
    from io import BytesIO

    from xueji.students.services import evidence_attach

    school = student.enrollments.get(is_current=True).school
    return evidence_attach(
        actor=actor or persona(Role.REGISTRAR, school=school),
        student=student,
        file=BytesIO(b"%PDF-1.4 household register scan"),
        original_name="户口簿.pdf",
        category="household",
    )


def enrolled(
    school: School,
    *,
    grade: int = 3,
    birth: dt.date | None = None,
    name: str = "陈小北",
    entry_date: str = "2024-09-01",
) -> Any:
    """A student of ``school`` in ``grade``, taken over from the national system by its registrar
    (the same service a registrar uses), every field of the national form filled (its household
    proof, R5.1, is ``household_proof``)."""
    from xueji.students.services import student_import_existing

    birth = birth or dt.date(2026 - 6 - grade, 4, 1)
    payload = student_payload(birth, name=name)
    return student_import_existing(
        actor=persona(Role.REGISTRAR, school=school),
        school=school,
        xjh="G" + payload["id_number"],
        student=payload,
        family=family_payload(),
        enrollment=enrollment_payload(grade=grade, entry_date=entry_date),
    )
