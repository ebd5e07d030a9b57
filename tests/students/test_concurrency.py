"""Races the database must decide (R6.2, R6.4, R3.3): PostgreSQL only, real threads and connections."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.factories import enrollment_payload, family_payload, make_id, student_payload
from xueji.core.errors import Conflict
from xueji.core.identity import j_number
from xueji.students.models import EntryApplication, Student, XjhAlias
from xueji.students.services import entry_application_submit, student_register

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="races need PostgreSQL's concurrent writers"
    ),
    pytest.mark.django_db(transaction=True),
]

BIRTH = dt.date(2020, 3, 15)


def race(n: int, call) -> list[object]:
    """Run ``call(i)`` in n threads released at the same instant; results or exceptions, in order."""
    barrier = threading.Barrier(n)

    def run(i: int) -> object:
        try:
            barrier.wait()
            return call(i)
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_r6_2_twenty_registrars_same_id_at_once_one_record_nineteen_conflicts(world):
    payload = student_payload(BIRTH, id_number=make_id(BIRTH))
    # Two schools in two districts submit the same child; the refusal must name the winner's school.
    seats = [(world.registrar_a, world.school_a), (world.registrar_c, world.school_c)]

    def register(i: int) -> Student:
        actor, school = seats[i % 2]
        return student_register(
            actor=actor,
            school=school,
            student=payload,
            family=family_payload(),
            enrollment=enrollment_payload(),
        )

    results = race(20, register)
    winners = [r for r in results if isinstance(r, Student)]
    losers = [r for r in results if not isinstance(r, Student)]
    assert len(winners) == 1, results
    assert Counter(type(r) for r in losers) == {Conflict: 19}, losers
    holder = winners[0].enrollments.get().school
    for refusal in losers:
        assert (refusal.rule, refusal.code) == ("R6.2", "duplicate")
        assert holder.name in refusal.message
    assert Student.objects.count() == 1
    assert XjhAlias.objects.count() == 1


def test_r6_4_same_day_births_registered_at_once_get_distinct_j_numbers(world):
    def register(i: int) -> Student:
        return student_register(
            actor=world.registrar_a,
            school=world.school_a,
            student=student_payload(BIRTH, id_type="Z", id_number=""),
            enrollment=enrollment_payload(),
        )

    results = race(8, register)
    assert all(isinstance(r, Student) for r in results), results
    expected = {j_number(region_code="410503", birth_date=BIRTH, sequence=n) for n in range(1, 9)}
    assert {r.xjh for r in results} == expected


def test_r3_3_one_pending_application_when_submitted_at_once(world):
    data = {
        "kind": "late_entry",
        "child_name": "王小明",
        "id_number": make_id(dt.date(2019, 8, 1)),
        "entry_year": 2026,
        "reason": "去年未入学",
        "guardian_name": "王建国",
        "guardian_phone": "13912345678",
    }
    results = race(
        6, lambda i: entry_application_submit(actor=world.registrar_a, school=world.school_a, data=data)
    )
    assert Counter(type(r) for r in results) == {EntryApplication: 1, Conflict: 5}, results
    assert EntryApplication.objects.count() == 1
