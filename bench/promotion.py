"""Benchmark: the school year's promotion (R14.2) of a district and of a city, against raw SQL.

Data: the shared 2,000,000 students (bench/_common.py), in the classes of the school year holding
today. The clock is moved to 10 July of the next calendar year (that year's spring semester has
ended); the next school year is created if missing. Everything runs in one transaction that is
rolled back at the end, so the data set is reused.

Measured, per scope (one district of the eleven smaller ones, about 91,000 students; then those
eleven districts together, about 1,000,000 — a city): ``promotion_confirm`` for every school, each
its own transaction (savepoint) as the approver's click runs it — locks, the three set-based
UPDATEs, the history rows, the audit event. Not timed: making next year's classes and submitting
(the registrar's steps before it).

Baseline, in the same run on the same rows: raw SQL — one UPDATE … RETURNING for the movers (grade
+ 1, next year's class of the same number by a join) and one for the graduates, their returned
rows COPYed into the history table. Checked: both write the same number of rows.

Goal: a district of 100,000 in < 30 s; a city of 1,000,000 in < 5 minutes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueji_bench python bench/promotion.py [--skip-generate]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

import _common
from django.db import connection, reset_queries, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext, override_settings

from xueji.core import clock
from xueji.org import services as org_services
from xueji.org.models import Role, School, SchoolYear, Semester, User
from xueji.students import promotion_services, selectors
from xueji.students.models import Enrollment

GOALS = {"district": 30.0, "city": 300.0}
HISTORY_COLUMNS = [f.column for f in Enrollment.history.model.tracked_fields]  # type: ignore[attr-defined]


def _people(school: School) -> tuple[User, User]:
    made = []
    for role in (Role.REGISTRAR, Role.SCHOOL_APPROVER):
        user = User(username=f"bench_{role}_{school.code}", role=role, school=school, full_name="基准")
        user.set_unusable_password()
        made.append(user)
    User.objects.bulk_create(made)
    return made[0], made[1]


def _next_year(year: SchoolYear) -> SchoolYear:
    found = SchoolYear.objects.filter(start_year=year.start_year + 1).first()
    if found is not None:
        return found
    start = dt.date(year.start_year + 1, 9, 1)
    made = SchoolYear.objects.create(
        start_year=year.start_year + 1, start=start, end=dt.date(start.year + 1, 8, 31)
    )
    Semester.objects.create(
        school_year=made,
        term="autumn",
        start=start,
        end=dt.date(start.year + 1, 1, 20),
        teaching_weeks=20,
        teaching_hours=600,
    )
    return made


def product(schools: list[School]) -> tuple[float, dict[str, int], str]:
    """Prepare (untimed) and confirm (timed) every school's promotion; rolled back by the caller."""
    year = selectors.promotion_school_year()
    assert year is not None
    next_year = _next_year(year)
    pending = []
    for school in schools:
        registrar, approver = _people(school)
        org_services.classes_for_next_year(
            actor=registrar, school=school, school_year=year, next_year=next_year
        )
        pending.append((approver, promotion_services.promotion_submit(actor=registrar, school=school)))
    totals = {"moved": 0, "graduated": 0, "repeated": 0, "unplaced": 0}
    queries = []
    started = time.perf_counter()
    for approver, submitted in pending:
        reset_queries()  # the log keeps 9,000 at most: counted per school from empty
        with CaptureQueriesContext(connection) as captured:
            done = promotion_services.promotion_confirm(actor=approver, promotion=submitted)
        queries.append(len(captured))
        for key in totals:
            totals[key] += done.result[key]
    seconds = time.perf_counter() - started
    return seconds, totals, "–".join(str(n) for n in sorted({min(queries), max(queries)}))


RAW_MOVE = f"""
UPDATE students_enrollment e SET grade = e.grade + 1, school_class_id = n.id, placement_due = n.id IS NULL
FROM org_school s, students_enrollment o
LEFT JOIN org_schoolclass c ON c.id = o.school_class_id
LEFT JOIN org_schoolclass n ON n.school_id = c.school_id AND n.school_year_id = %(next)s
     AND n.grade = c.grade + 1 AND n.number = c.number
WHERE o.id = e.id AND s.id = e.school_id AND e.school_id = ANY(%(schools)s) AND e.is_current
  AND e.status = '01' AND NOT e.repeats AND e.grade < s.grade_to
RETURNING {", ".join("e." + c for c in HISTORY_COLUMNS)}
"""  # noqa: S608
RAW_GRADUATE = f"""
UPDATE students_enrollment e SET status = '07', placement_due = false
FROM org_school s
WHERE s.id = e.school_id AND e.school_id = ANY(%(schools)s) AND e.is_current
  AND e.status = '01' AND NOT e.repeats AND e.grade >= s.grade_to
RETURNING {", ".join("e." + c for c in HISTORY_COLUMNS)}
"""  # noqa: S608


def raw(schools: list[School]) -> tuple[float, dict[str, int]]:
    """The least the same writes cost: two UPDATE … RETURNING and a COPY of their rows."""
    year = selectors.promotion_school_year()
    assert year is not None
    next_year = _next_year(year)
    admin = User.objects.create(username="bench_admin", is_superuser=True, full_name="基准")
    for school in schools:  # the same classes as the product's run (untimed)
        org_services.classes_for_next_year(actor=admin, school=school, school_year=year, next_year=next_year)
    params = {"schools": [s.pk for s in schools], "next": next_year.pk}
    columns = [*HISTORY_COLUMNS, "history_date", "history_change_reason", "history_type", "history_user_id"]
    now = clock.now()
    written = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for label, sql in (("graduated", RAW_GRADUATE), ("moved", RAW_MOVE)):
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            written[label] = len(rows)
            with cursor.cursor.copy(
                f"COPY students_historicalenrollment ({', '.join(columns)}) FROM STDIN"  # noqa: S608
            ) as copy:
                for row in rows:
                    copy.write_row([*row, now, "升级", "~", None])
    return time.perf_counter() - started, written


def rolled_back(fn: Any, *args: Any) -> Any:
    with transaction.atomic():
        out = fn(*args)
        transaction.set_rollback(True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--max-load", type=float, default=1.0)
    parser.add_argument("--wait", type=float, default=300)
    args = parser.parse_args()
    _common.ensure_students(skip=args.skip_generate)
    year = SchoolYear.objects.order_by("-start_year").filter(classes__isnull=False).first()
    assert year is not None
    summer = dt.date(year.start_year + 1, 7, 10)
    load = _common.wait_for_quiet(args.max_load, args.wait)
    sizes = dict(
        Enrollment.objects.filter(is_current=True, status="01")
        .values_list("school__district__code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    district = max(_common.OTHER_DISTRICTS, key=lambda code: sizes.get(code, 0))
    scopes = {"district": [district], "city": _common.OTHER_DISTRICTS}
    results = []
    with override_settings(XUEJI_FIXED_TODAY=summer.isoformat()):
        for label, codes in scopes.items():
            schools = list(
                School.objects.filter(district__code__in=codes).select_related("district").order_by("code")
            )
            students = sum(sizes.get(code, 0) for code in codes)
            _common.say(f"{label}: {len(schools)} schools, {students:,} 在读 students …")
            seconds, totals, queries = rolled_back(product, schools)
            raw_seconds, written = rolled_back(raw, schools)
            assert (written["moved"], written["graduated"]) == (totals["moved"], totals["graduated"]), (
                written,
                totals,
            )
            results.append(
                (
                    label,
                    len(schools),
                    f"{students:,}",
                    f"{totals['moved']:,} / {totals['graduated']:,}",
                    f"{seconds:.1f}",
                    f"{raw_seconds:.1f}",
                    f"{seconds / raw_seconds:.1f}×",
                    queries,
                    f"< {GOALS[label]:.0f} s" + (" ✓" if seconds < GOALS[label] else " ✗"),
                )
            )
    print(_common.machine(), f"load {load:.2f}")
    print(
        _common.table(
            [
                "scope",
                "schools",
                "在读",
                "moved / graduated",
                "product s",
                "raw s",
                "ratio",
                "queries/school",
                "goal",
            ],
            results,
        )
    )


if __name__ == "__main__":
    main()
