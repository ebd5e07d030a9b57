"""Benchmark: the district dashboard's figures (students.selectors.district_statistics).

Measured: district_statistics for an officer of 金水区, whose scope holds one million current
enrollments (counts by school, grade, gender and status). Baseline, in the same run: the same four
counts as four hand-written GROUP BY statements (cursor.execute) on the district's id, the least
any dashboard must do. Goal: < 0.5 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueji_bench python bench/dashboard.py
        [--repeat 9] [--skip-generate] [--explain]
"""

from __future__ import annotations

import argparse
import time

import _common
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xueji.org.models import Jurisdiction
from xueji.students.selectors import district_statistics

GOAL_SECONDS = 0.5

RAW = {
    "school": "SELECT e.school_id, count(*) FROM students_enrollment e JOIN org_school s ON s.id = e.school_id "
    "WHERE s.district_id = %s AND e.is_current GROUP BY e.school_id",
    "grade": "SELECT e.grade, count(*) FROM students_enrollment e JOIN org_school s ON s.id = e.school_id "
    "WHERE s.district_id = %s AND e.is_current GROUP BY e.grade",
    "gender": "SELECT e.gender, count(*) FROM students_enrollment e JOIN org_school s ON s.id = e.school_id "
    "WHERE s.district_id = %s AND e.is_current GROUP BY e.gender",
    "status": "SELECT e.status, count(*) FROM students_enrollment e JOIN org_school s ON s.id = e.school_id "
    "WHERE s.district_id = %s AND e.is_current GROUP BY e.status",
}


def raw_counts(district_id: int) -> dict[str, dict]:
    out = {}
    with connection.cursor() as cursor:
        for dim, sql in RAW.items():
            cursor.execute(sql, [district_id])
            out[dim] = dict(cursor.fetchall())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--skip-generate", action="store_true", help="use the data as it is")
    parser.add_argument("--max-load", type=float, default=1.0, help="wait for a 1-minute load below this")
    parser.add_argument("--wait", type=float, default=300, help="longest wait for that, seconds (0: no wait)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the selector's query")
    args = parser.parse_args()

    _common.ensure_students(skip=args.skip_generate)
    _common.wait_for_quiet(args.max_load, args.wait)
    user = _common.officer(_common.BIG_DISTRICT)
    district_id = Jurisdiction.objects.get(code=_common.BIG_DISTRICT).pk

    # Same answers, or the comparison means nothing.
    stats = district_statistics(requested_by=user)
    raw = raw_counts(district_id)
    assert {r["school_id"]: r["n"] for r in stats.by_school} == raw["school"]  # noqa: S101
    assert {r["grade"]: r["n"] for r in stats.by_grade} == raw["grade"]  # noqa: S101
    assert {r["gender"]: r["n"] for r in stats.by_gender} == raw["gender"]  # noqa: S101
    assert {r["status"]: r["n"] for r in stats.by_status} == raw["status"]  # noqa: S101

    selector, baseline = [], []
    for _ in range(args.repeat):  # interleaved: both see the same cache state
        started = time.perf_counter()
        district_statistics(requested_by=user)
        selector.append(time.perf_counter() - started)
        started = time.perf_counter()
        raw_counts(district_id)
        baseline.append(time.perf_counter() - started)
    s, b = _common.summary(selector), _common.summary(baseline)

    print(f"\nbench/dashboard.py — district_statistics, {args.repeat} runs each")
    print(f"{stats.total:,} current enrollments in the 金水区 officer's scope; {_common.machine()}\n")
    print(
        _common.table(
            ["figure", "selector s", "raw SQL s", "ratio", f"goal < {GOAL_SECONDS} s"],
            [
                [
                    "median",
                    s["p50"],
                    b["p50"],
                    f"{s['p50'] / b['p50']:.2f}x",
                    "yes" if s["p50"] < GOAL_SECONDS else "NO",
                ],
                [
                    "p95",
                    s["p95"],
                    b["p95"],
                    f"{s['p95'] / b['p95']:.2f}x",
                    "yes" if s["p95"] < GOAL_SECONDS else "NO",
                ],
                ["min", min(selector), min(baseline), f"{min(selector) / min(baseline):.2f}x", ""],
            ],
        )
    )
    if args.explain:
        with CaptureQueriesContext(connection) as queries:
            district_statistics(requested_by=user)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + queries[0]["sql"])
            print("\n" + "\n".join(line for (line,) in cursor.fetchall()))


if __name__ == "__main__":
    main()
