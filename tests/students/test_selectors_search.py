"""R2.2, R4.1: the search every registrar and officer starts from, through the scoped selector.

A name or initials search lists its matches by the text (the exact name first, then longer names)
and then by record, the order the search indexes keep, so the first page never waits for every
match to be fetched and sorted.
"""

from __future__ import annotations

import datetime as dt

from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.students import selectors
from xueji.students.services import student_register


def _register(world, names, *, school=None, registrar=None, **extra):
    made = []
    for i, name in enumerate(names):
        made.append(
            student_register(
                actor=registrar or world.registrar_a,
                school=school or world.school_a,
                student=student_payload(dt.date(2020, 1, 1) + dt.timedelta(days=i), name=name, **extra),
                family=family_payload(),
                enrollment=enrollment_payload(),
            )
        )
    return made


def _names(user, q):
    return [e.student.name for e in selectors.enrollment_search(requested_by=user, q=q)]


def test_r4_1_name_search_lists_the_exact_name_first_then_longer_names(world):
    _register(world, ["王涵宇", "王涵", "王小涵", "王涵", "王涵之"])
    assert _names(world.registrar_a, "王涵") == ["王涵", "王涵", "王涵之", "王涵宇"]


def test_r4_1_equal_names_keep_the_order_they_were_registered_in(world):
    first, second, third = _register(world, ["李明", "李明", "李明"])
    found = [e.student_id for e in selectors.enrollment_search(requested_by=world.registrar_a, q="李明")]
    assert found == [first.pk, second.pk, third.pk]


def test_r4_1_initials_search_lists_exact_initials_first(world):
    _register(world, ["张三丰", "张三", "赵四", "周三"])
    assert _names(world.registrar_a, "zs") == ["张三", "赵四", "周三", "张三丰"]  # equal initials: by record


def test_r4_1_former_name_matches_exactly_alongside_current_names(world):
    (renamed,) = _register(world, ["刘洋"], former_name="刘小红")
    _register(world, ["刘小红梅"])
    assert _names(world.registrar_a, "刘小红") == ["刘小红梅", "刘洋"]
    assert _names(world.registrar_a, "刘小") == ["刘小红梅"]  # a former name is not searched by prefix


def test_r2_2_text_search_stays_inside_the_scope(world):
    _register(world, ["陈静"])
    _register(world, ["陈静"], school=world.school_c, registrar=world.registrar_c)
    assert [e.school for e in selectors.enrollment_search(requested_by=world.officer, q="陈静")] == [
        world.school_a
    ]
    assert [e.school for e in selectors.enrollment_search(requested_by=world.officer, q="cj")] == [
        world.school_a
    ]


def test_r4_1_pages_of_a_text_search_neither_repeat_nor_skip(world):
    made = _register(world, ["孙悦"] * 7)
    rows = selectors.enrollment_search(requested_by=world.registrar_a, q="孙")
    pages = [list(rows[start : start + 3]) for start in (0, 3, 6)]
    assert [e.student_id for page in pages for e in page] == [s.pk for s in made]


def test_r4_1_a_text_search_reversed_lists_the_longest_names_first(world):
    _register(world, ["王涵", "王涵之", "王涵宇"])
    rows = selectors.enrollment_search(requested_by=world.registrar_a, q="王涵")
    assert [e.student.name for e in rows.reverse()] == ["王涵宇", "王涵之", "王涵"]


def test_r4_1_text_search_order_is_the_index_order_on_postgresql(world):
    from django.db import connection

    rows = selectors.enrollment_search(requested_by=world.registrar_a, q="王涵")
    sql = str(rows.query)
    if connection.vendor == "postgresql":
        assert 'ORDER BY "students_student"."name" USING ~<~' in sql
        assert "USING ~>~" in str(rows.reverse().query)
    else:
        assert 'ORDER BY "students_student"."name" ASC' in sql


def test_r4_1_a_distinct_text_search_still_runs(world):
    _register(world, ["王涵之", "王涵"])
    rows = selectors.enrollment_search(requested_by=world.registrar_a, q="王涵").distinct()
    assert [e.student.name for e in rows] == ["王涵", "王涵之"]
