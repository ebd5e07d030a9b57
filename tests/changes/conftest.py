"""A student at 文峰区东关小学 (school C) whom 北关区红旗路小学 (school A) wants to receive."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest

from tests.conftest import _user
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.changes import services as engine
from xueji.changes.kinds.transfer.services import transfer_start
from xueji.org.models import Role
from xueji.students.services import student_import_existing

PDF = b"%PDF-1.4 evidence"
FACTS = {"grounds": "household_moved", "nature": "returning", "reason": "随父母户籍迁入北关区"}
START_EVIDENCE = ("transfer_application", "household_migration", "household_register")


@pytest.fixture
def approver_c(world):
    return _user("appr_c", Role.SCHOOL_APPROVER, school=world.school_c, full_name="冯校长")


def pupil(world, *, school=None, registrar=None, birth=dt.date(2018, 4, 1), grade=3, name="陈小北"):
    payload = student_payload(birth, name=name)
    return student_import_existing(
        actor=registrar or world.registrar_c,
        school=school or world.school_c,
        xjh="G" + payload["id_number"],
        student=payload,
        family=family_payload(),
        enrollment=enrollment_payload(grade=grade, entry_date="2024-09-01"),
    )


@pytest.fixture
def student_c(world):
    return pupil(world)


def attach(case, actor, *categories):
    for category in categories:
        engine.case_attach(
            actor=actor, case=case, file=BytesIO(PDF), original_name=f"{category}.pdf", category=category
        )


def start(world, student, **facts):
    return transfer_start(actor=world.registrar_a, student=student, facts={**FACTS, **facts})
