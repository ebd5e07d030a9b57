"""Benchmark: student search (students.selectors.enrollment_search) over two million students.

Measured: the first page (list(qs[:20]), as the search page evaluates it) for four kinds of query —
18-digit ID number, 学籍号, exact name, pinyin initials — typed by a city-level officer whose scope
covers all of 郑州市. Baseline, in the same run and for the same inputs: one raw SQL statement on
the same index (cursor.execute), the least any search must do. Goal: p95 < 20 ms at the selector.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueji_bench python bench/search.py
        [--samples 300] [--skip-generate] [--explain]

The first run generates the data set with gen_demo (about ten minutes; see bench/_common.py).
"""

from __future__ import annotations

import argparse
import random
import time

import _common
from django.db import connection

from xueji.students.selectors import enrollment_search

GOAL_P95_MS = 20.0

# Raw baselines: the same index the selector's query needs, nothing else.
BASELINES = {
    "id_number": "SELECT id FROM students_student WHERE id_number = %s",
    "xjh": "SELECT student_id FROM students_xjhalias WHERE number = %s",
    "name": "SELECT id FROM students_student WHERE name LIKE %s LIMIT 20",
    "initials": "SELECT id FROM students_student WHERE name_initials LIKE %s LIMIT 20",
}
LABELS = {
    "id_number": "ID number (18 digits)",
    "xjh": "xjh (G + ID number)",
    "name": "exact name",
    "initials": "pinyin initials",
}


def inputs(samples: int, seed: int) -> dict[str, list[str]]:
    """Real values of randomly chosen students (repeatable), the way registrars type them."""
    rng = random.Random(seed)
    rows: list[tuple[str, str, str, str]] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM students_student")
        low, high = cursor.fetchone()
        while len(rows) < samples:
            cursor.execute(
                "SELECT id_number, xjh, name, name_initials FROM students_student WHERE id >= %s ORDER BY id LIMIT 1",
                [rng.randint(low, high)],
            )
            rows += cursor.fetchall()
    return {
        "id_number": [r[0] for r in rows],
        "xjh": [r[1] for r in rows],
        "name": [r[2] for r in rows],
        "initials": [r[3] for r in rows],
    }


def ms(seconds: float) -> float:
    return seconds * 1000


def baseline_param(kind: str, value: str) -> str:
    return value + "%" if kind in ("name", "initials") else value


def run(user, values: dict[str, list[str]]) -> dict[str, tuple[list[float], list[float]]]:
    results = {}
    for kind, qs in values.items():
        selector: list[float] = []
        raw: list[float] = []
        sql = BASELINES[kind]
        with connection.cursor() as cursor:
            for q in qs:  # interleaved, so both see the same cache state
                started = time.perf_counter()
                list(enrollment_search(requested_by=user, q=q)[:20])
                selector.append(time.perf_counter() - started)
                started = time.perf_counter()
                cursor.execute(sql, [baseline_param(kind, q)])
                cursor.fetchall()
                raw.append(time.perf_counter() - started)
        results[kind] = (selector, raw)
    return results


def explain(user, kind: str, q: str) -> str:
    qs = enrollment_search(requested_by=user, q=q)[:20]
    return qs.explain(analyze=True, buffers=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=300, help="inputs per kind of query")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--skip-generate", action="store_true", help="use the data as it is")
    parser.add_argument("--max-load", type=float, default=1.0, help="wait for a 1-minute load below this")
    parser.add_argument("--wait", type=float, default=300, help="longest wait for that, seconds (0: no wait)")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the slowest input of each kind"
    )
    args = parser.parse_args()

    counts = _common.ensure_students(skip=args.skip_generate)
    _common.wait_for_quiet(args.max_load, args.wait)
    user = _common.officer("410100")  # 郑州市: scope prefix 4101, every generated district
    in_scope = enrollment_search(requested_by=user).count()
    values = inputs(args.samples, args.seed)
    _common.say(f"warming up ({sum(counts.values()):,} students, {in_scope:,} in the officer's scope) …")
    run(user, {k: v[: max(20, len(v) // 5)] for k, v in values.items()})
    results = run(user, values)

    rows = []
    slowest: dict[str, str] = {}
    for kind, (selector, raw) in results.items():
        s, r = _common.summary(selector), _common.summary(raw)
        rows.append(
            [
                LABELS[kind],
                ms(s["p50"]),
                ms(s["p95"]),
                ms(s["p99"]),
                ms(r["p50"]),
                ms(r["p95"]),
                ms(r["p99"]),
                f"{s['p95'] / r['p95']:.1f}x",
                "yes" if ms(s["p95"]) < GOAL_P95_MS else "NO",
            ]
        )
        slowest[kind] = values[kind][max(range(len(selector)), key=selector.__getitem__)]
    print(f"\nbench/search.py — enrollment_search, first page of 20, {args.samples} inputs per kind")
    print(f"{in_scope:,} current enrollments in the city officer's scope; {_common.machine()}\n")
    print(
        _common.table(
            [
                "query",
                "selector p50 ms",
                "p95 ms",
                "p99 ms",
                "raw SQL p50 ms",
                "p95 ms",
                "p99 ms",
                "p95 ratio",
                f"p95 < {GOAL_P95_MS:.0f} ms",
            ],
            rows,
        )
    )
    if args.explain:
        for kind, q in slowest.items():
            print(f"\n-- slowest {kind}: {q!r}\n{explain(user, kind, q)}")


if __name__ == "__main__":
    main()
