"""Two transfers of one student started at the same instant: exactly one wins (R10.10). PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.changes.conftest import FACTS, pupil
from tests.conftest import _user
from xueji.changes.kinds.transfer.services import transfer_start
from xueji.changes.models import Case
from xueji.core.errors import Conflict
from xueji.org.models import Role, School

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="races need PostgreSQL's concurrent writers"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_r10_10_concurrent_starts_for_one_student_exactly_one_wins(world):
    student = pupil(world)
    other = School.objects.create(
        code="4105030008",
        name="北关区灯塔路小学",
        district=world.beiguan,
        kind="primary",
        grade_from=1,
        grade_to=6,
    )
    registrars = [world.registrar_a, _user("reg_d", Role.REGISTRAR, school=other)]
    barrier = threading.Barrier(len(registrars))

    def run(actor):
        try:
            barrier.wait()
            return transfer_start(actor=actor, student=student, facts=FACTS)
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, registrars))
    assert Counter(type(r) for r in results) == {Case: 1, Conflict: 1}, results
    assert Case.objects.filter(student=student).count() == 1


def test_cases_started_at_once_for_different_students_all_get_distinct_numbers(world):
    students = [
        pupil(world, name=f"并发{'甲乙丙丁戊己'[i]}", birth=dt.date(2018, 1, 1 + i)) for i in range(6)
    ]
    barrier = threading.Barrier(len(students))

    def run(student):
        try:
            barrier.wait()
            return transfer_start(actor=world.registrar_a, student=student, facts=FACTS).number
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(run, students))
    assert all(isinstance(n, str) and n.startswith("ZX2026") for n in numbers), numbers
    assert len(set(numbers)) == 6
