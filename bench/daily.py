"""Benchmark: ``xueji daily`` over two million students, end to end, against raw SQL over the same rows.

Data: the shared 2,000,000 students (bench/_common.py, gen_demo), plus — rebuilt on every run, in
seconds, with COPY (bench/_cases.py) — status-change cases at the rate of ``--cases-per-million``
(default 100,000 per million students: three years of a district's cases, 5 % still open, every
kind and state, step owners and due dates as the engine sets them) and running 休学 periods for
``--period-share`` of the students (default 0.3 %), their planned ends spread from 200 days ago
to a year ahead. Nothing has been flagged or recorded yet, so the first run is a catch-up: every
late step, late case, lapsing draft (drafts up to 45 days old) and crossed period threshold is
written then.

Measured: ``xueji daily`` as a subprocess (the command as cron runs it, Django start-up included),
three times — today (the catch-up), today again (must write nothing), and the next day
(XUEJI_FIXED_TODAY: an ordinary day's writes). Then, after rebuilding the same data, each of the
command's four services in process: seconds, queries, rows written.

Baseline, in the same run: one raw SQL pass that finds the same rows (the late steps, late cases,
lapsing drafts and each period's unrecorded thresholds) with plain SELECTs. Floor: the same in
raw SQL *with* the writes the command makes (flags, timeline events, threshold events, one audit
row each), in one transaction rolled back — the least any implementation of the command costs.
Goal: the command < 60 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueji_bench python bench/daily.py
        [--students 2000000] [--skip-generate] [--cases-per-million 100000] [--period-share 0.003]

A quick run: ``--students 20000`` in a database of its own (the students are only ever added).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import time
from typing import Any

import _cases
import _common
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from xueji.audit.models import AuditEvent
from xueji.changes.models import CaseEvent
from xueji.changes.services import (
    DRAFT_LAPSE_DAYS,
    cases_flag_overdue,
    cases_flag_whole_overdue,
    cases_lapse_drafts,
)
from xueji.core import clock
from xueji.core.calendar import WorkingCalendar
from xueji.students.models import StatusPeriodEvent
from xueji.students.status import ESCALATE_DAYS, WARN_DAYS, status_periods_daily

GOAL_SECONDS = 60.0
ALL_DISTRICTS = [_common.BIG_DISTRICT, *_common.OTHER_DISTRICTS]
OPEN = "('draft', 'open', 'returned')"

# ------------------------------------------------------------------ the same rows, in raw SQL

LATE_STEPS = f"""
SELECT c.id, c.kind, c.step_key, c.step_due, c.school_id FROM changes_case c
WHERE c.state IN {OPEN} AND NOT c.is_overdue AND c.step_due < %(today)s
"""
LATE_CASES = """
SELECT c.id, c.kind, c.step_key, c.case_due, c.school_id FROM changes_case c
WHERE c.state = 'open' AND NOT c.case_overdue AND c.case_due < %(today)s
"""
# A draft lapses when its 20th working day (R17.2) lies before today: started before the day the
# script computes with the product's calendar (no local closures in a benchmark database).
LAPSING = """
SELECT c.id, c.kind, c.step_key, c.school_id FROM changes_case c
WHERE c.state = 'draft' AND c.step_due IS NULL AND c.step_started_on < %(lapse_before)s
"""
THRESHOLDS = """
WITH p AS (
    SELECT id, student_id, enrollment_id, ends_on FROM students_statusperiod
    WHERE closed_on IS NULL AND ends_on IS NOT NULL AND ends_on <= %(horizon)s
), crossed AS (
    SELECT p.*, 'soon' AS threshold, p.ends_on - %(warn)s AS due_on FROM p WHERE p.ends_on - %(warn)s <= %(today)s
    UNION ALL
    SELECT p.*, 'ended', p.ends_on + 1 FROM p WHERE p.ends_on + 1 <= %(today)s
    UNION ALL
    SELECT p.*, 'after_' || n, p.ends_on + 1 + n FROM p, generate_series(%(every)s, 36500, %(every)s) AS n
    WHERE p.ends_on + 1 + n <= %(today)s
)
SELECT x.* FROM crossed x
WHERE NOT EXISTS (SELECT 1 FROM students_statusperiodevent e WHERE e.period_id = x.id AND e.threshold = x.threshold)
"""

# The floor: the same rows found and written — flag, timeline event, threshold event, audit row.
AUDIT_INSERT = """
INSERT INTO audit_auditevent (at, actor_id, action, subject_type, subject_id, school_id, district_code,
                              changes, rules, note)
SELECT now(), NULL, {action}, {subject_type}, {subject_id}, r.school_id, d.code, {changes}, {rules}, {note}
FROM rows r JOIN org_school s ON s.id = r.school_id JOIN org_jurisdiction d ON d.id = s.district_id
"""
FLOOR = {
    "late steps": f"""
WITH rows AS (
    UPDATE changes_case c SET is_overdue = true FROM ({LATE_STEPS}) f WHERE c.id = f.id
    RETURNING c.id, c.kind, c.step_key, c.step_due, c.school_id
), events AS (
    INSERT INTO changes_caseevent (case_id, at, actor_id, step_key, action, comment)
    SELECT id, now(), NULL, step_key, 'overdue', '本环节应于 ' || step_due || ' 前办结' FROM rows
)
"""
    + AUDIT_INSERT.format(
        action="r.kind || '.overdue'",
        subject_type="'Case'",
        subject_id="r.id::text",
        changes="""'{"is_overdue": [false, true]}'""",
        rules="""'["R10.5", "R10.7"]'""",
        note="'本环节应于 ' || r.step_due || ' 前办结'",
    ),
    "late cases": f"""
WITH rows AS (
    UPDATE changes_case c SET case_overdue = true FROM ({LATE_CASES}) f WHERE c.id = f.id
    RETURNING c.id, c.kind, c.step_key, c.case_due, c.school_id
), events AS (
    INSERT INTO changes_caseevent (case_id, at, actor_id, step_key, action, comment)
    SELECT id, now(), NULL, step_key, 'late_case', '整个事项应于 ' || case_due || ' 前办结' FROM rows
)
"""
    + AUDIT_INSERT.format(
        action="r.kind || '.overdue'",
        subject_type="'Case'",
        subject_id="r.id::text",
        changes="""'{"case_overdue": [false, true]}'""",
        rules="""'["R10.5", "R10.7"]'""",
        note="'整个事项应于 ' || r.case_due || ' 前办结'",
    ),
    "lapsing drafts": f"""
WITH rows AS (
    UPDATE changes_case c SET state = 'lapsed', closed_at = now() FROM ({LAPSING}) f WHERE c.id = f.id
    RETURNING c.id, c.kind, c.step_key, c.school_id
), events AS (
    INSERT INTO changes_caseevent (case_id, at, actor_id, step_key, action, comment)
    SELECT id, now(), NULL, step_key, 'lapse', '草稿超过规定时限未提交，已失效（R17.2）' FROM rows
)
"""
    + AUDIT_INSERT.format(
        action="r.kind || '.lapse'",
        subject_type="'Case'",
        subject_id="r.id::text",
        changes="""'{"state": ["draft", "lapsed"]}'""",
        rules="""'["R17.2"]'""",
        note="'草稿超过规定时限未提交，已失效（R17.2）'",
    ),
    "period thresholds": f"""
WITH found AS ({THRESHOLDS}), written AS (
    INSERT INTO students_statusperiodevent (period_id, threshold, due_on, created_at)
    SELECT id, threshold, due_on, now() FROM found RETURNING period_id, threshold, due_on
), rows AS (
    SELECT w.*, p.student_id, e.school_id FROM written w JOIN students_statusperiod p ON p.id = w.period_id
    JOIN students_enrollment e ON e.id = p.enrollment_id
)
"""
    + AUDIT_INSERT.format(
        action="'enrollment.period_event'",
        subject_type="'Student'",
        subject_id="r.student_id::text",
        changes="""jsonb_build_object('threshold', jsonb_build_array(NULL, r.threshold))""",
        rules="""'["R12.4", "R12.6"]'""",
        note="'休学 ' || r.threshold || '（' || r.due_on || '）'",
    ),
}
BASELINE = {
    "late steps": LATE_STEPS,
    "late cases": LATE_CASES,
    "lapsing drafts": LAPSING,
    "period thresholds": THRESHOLDS,
}


def raw_params(today: dt.date) -> dict[str, Any]:
    """Today's parameters of the raw statements, from the product's defaults and calendar."""
    calendar = WorkingCalendar()
    days = DRAFT_LAPSE_DAYS.fallback
    lapse_before = today  # walk back to the earliest start whose 20th working day is not yet past
    while calendar.add_working_days(lapse_before - dt.timedelta(days=1), days).date >= today:
        lapse_before -= dt.timedelta(days=1)
    return {
        "today": today,
        "lapse_before": lapse_before,  # the first start day whose draft has not yet lapsed
        "horizon": today + dt.timedelta(days=WARN_DAYS.maximum),
        "warn": WARN_DAYS.fallback,
        "every": ESCALATE_DAYS.fallback,
    }


def baseline(params: dict[str, Any]) -> tuple[float, dict[str, int]]:
    """One pass of plain SELECTs finding the rows the command writes; (seconds, rows per step)."""
    found = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for label, sql in BASELINE.items():
            cursor.execute(sql, params)
            found[label] = len(cursor.fetchall())
    return time.perf_counter() - started, found


def floor(params: dict[str, Any]) -> tuple[float, dict[str, int]]:
    """The same rows found and written in raw SQL, one transaction, rolled back."""
    written = {}
    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for label, sql in FLOOR.items():
                cursor.execute(sql, params)
                written[label] = cursor.rowcount
            cursor.execute("SELECT 1")  # the writes are done; commit would flush the WAL once
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, written


# ------------------------------------------------------------------ the product


def counts() -> dict[str, int]:
    return {
        "case events": CaseEvent.objects.count(),
        "period events": StatusPeriodEvent.objects.count(),
        "audit events": AuditEvent.objects.count(),
    }


def run_command(today: dt.date | None = None) -> tuple[float, str]:
    """``xueji daily`` in a process of its own, as cron runs it: (seconds, its output)."""
    env = {k: v for k, v in os.environ.items() if k != "XUEJI_FIXED_TODAY"}
    env["DJANGO_SETTINGS_MODULE"] = "xueji.settings"
    if today is not None:
        env["XUEJI_FIXED_TODAY"] = today.isoformat()
    elif os.environ.get("XUEJI_FIXED_TODAY"):
        env["XUEJI_FIXED_TODAY"] = os.environ["XUEJI_FIXED_TODAY"]
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "xueji", "daily"], env=env, capture_output=True, text=True, check=True
    )
    return time.perf_counter() - started, done.stdout.strip()


def run_startup() -> float:
    """What every xueji command costs before it does anything: the interpreter, Django's set-up
    and the system checks a management command runs first (``xueji check`` does only that)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "xueji.settings"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xueji", "check"], env=env, check=True, capture_output=True)  # noqa: S603
    return time.perf_counter() - started


def reported(output: str) -> dict[str, int]:
    """The command's own counts: 已标记 N 个逾期环节、N 件整体逾期事项；N 件草稿逾期失效；N 条休学期满提醒."""
    numbers = [int(n) for n in re.findall(r"(\d+) (?:个|件|条)", output)]
    return dict(
        zip(("late steps", "late cases", "lapsing drafts", "period thresholds"), numbers, strict=False)
    )


SERVICES = (
    ("cases_flag_overdue", cases_flag_overdue),
    ("cases_flag_whole_overdue", cases_flag_whole_overdue),
    ("cases_lapse_drafts", cases_lapse_drafts),
    ("status_periods_daily", status_periods_daily),
)


def breakdown(today: dt.date) -> list[list[Any]]:
    """Each service of the command in process, twice (the catch-up, then the same day again):
    rows written, seconds, queries, and the time of the slowest query."""
    rows: dict[str, list[Any]] = {label: [label] for label, _ in SERVICES}
    for _ in range(2):
        for label, fn in SERVICES:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                n = fn(today=today)
                seconds = time.perf_counter() - started
            slowest = max((float(q["time"]) for q in captured.captured_queries), default=0.0)
            rows[label] += [n, seconds, len(captured), slowest]
    return list(rows.values())


# ------------------------------------------------------------------ data


def rebuild(students: int, args: argparse.Namespace, today: dt.date) -> dict[str, Any]:
    """Replace the benchmark's cases and periods with fresh ones as of ``today`` (nothing flagged)."""
    started = time.perf_counter()
    removed = _cases.remove_cases(), _cases.remove_periods()
    n_cases = round(students * args.cases_per_million / 1_000_000)
    _common.say(f"  removed the earlier ones in {time.perf_counter() - started:.0f} s")
    pupils = _cases.sample_students(ALL_DISTRICTS, n_cases, args.seed)
    _common.say(f"  sampled {len(pupils):,} students at {time.perf_counter() - started:.0f} s")
    plan = _cases.Plan(today=today, flagged=False, draft_max_age=45)
    maker = _cases.CaseMaker(plan, ALL_DISTRICTS, args.seed)
    by_state: dict[str, int] = {}
    for start in range(0, len(pupils), 50_000):
        for state, n in _cases.write_cases(maker, pupils[start : start + 50_000]).items():
            by_state[state] = by_state.get(state, 0) + n
    _common.say(f"  cases written at {time.perf_counter() - started:.0f} s")
    periods = _cases.write_periods(
        today=today, share=args.period_share, seed=args.seed, district_codes=ALL_DISTRICTS
    )
    _common.say(f"  periods written at {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE changes_case, changes_caseevent, students_statusperiod, "
            "students_statusperiodevent, students_enrollment, audit_auditevent"
        )
    seconds = time.perf_counter() - started
    _common.say(
        f"  removed {removed[0]:,} cases and {removed[1]:,} periods; wrote {len(pupils):,} cases "
        f"{by_state} and {periods:,} periods in {seconds:.0f} s"
    )
    return {"cases": len(pupils), "by_state": by_state, "periods": periods}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=2_000_000, help="students in the data set")
    parser.add_argument("--skip-generate", action="store_true", help="use the student data as it is")
    parser.add_argument("--cases-per-million", type=int, default=100_000, help="cases per million students")
    parser.add_argument("--period-share", type=float, default=0.003, help="students in a running 休学 period")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3, help="baseline passes (the median is reported)")
    parser.add_argument("--max-load", type=float, default=1.0, help="wait for a 1-minute load below this")
    parser.add_argument("--wait", type=float, default=300, help="longest wait for that, seconds (0: no wait)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the command's slowest reads")
    args = parser.parse_args()

    by_district = _cases.ensure_students(args.students, skip=args.skip_generate)
    students = sum(by_district.values())
    today = clock.today()
    params = raw_params(today)
    _common.say(f"{students:,} current students; building cases and periods as of {today} …")
    data = rebuild(students, args, today)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM students_student")
        (all_students,) = cursor.fetchone()

    _common.wait_for_quiet(args.max_load, args.wait)
    load = os.getloadavg()[0]
    passes = [baseline(params) for _ in range(args.repeat)]
    raw_seconds = statistics.median(p[0] for p in passes)
    raw_found = passes[0][1]

    runs = []
    for label, day in (
        ("1. today (catch-up)", None),
        ("2. today again", None),
        ("3. next day", today + dt.timedelta(days=1)),
    ):
        before = counts()
        seconds, output = run_command(day)
        after = counts()
        written = {k: after[k] - before[k] for k in before}
        runs.append((label, seconds, output, written))
        _common.say(f"  {label}: {seconds:.1f} s — {output}")
    startup = min(run_startup() for _ in range(3))
    second_wrote = sum(runs[1][3].values())
    same_rows = reported(runs[0][2]) == raw_found

    _common.say("rebuilding the same data for the floor and the in-process breakdown …")
    rebuild(students, args, today)
    _common.wait_for_quiet(args.max_load, args.wait)
    floor_seconds, floor_written = floor(params)
    parts = breakdown(today)

    print(f"\nbench/daily.py — xueji daily, {all_students:,} students ({students:,} current)")
    print(
        f"{data['cases']:,} cases ({', '.join(f'{s} {n:,}' for s, n in sorted(data['by_state'].items()))}), "
        f"{data['periods']:,} running periods; today {today}"
    )
    print(f"{_common.machine()} (load at the start of the runs {load:.2f})\n")
    table = []
    for label, seconds, _output, written in runs:
        table.append(
            [
                f"xueji daily, run {label}",
                seconds,
                f"{raw_seconds / seconds:.3f}",
                ", ".join(f"{k} {v:,}" for k, v in written.items()),
                "yes" if seconds < GOAL_SECONDS else "NO",
            ]
        )
    table.append(["  of which start-up and system checks (xueji check)", startup, "", "", ""])
    table.append(["raw SELECT pass, same rows (baseline)", raw_seconds, "1.000", "(reads only)", ""])
    table.append(
        [
            "raw SQL with the same writes (floor)",
            floor_seconds,
            f"{raw_seconds / floor_seconds:.3f}",
            ", ".join(f"{k} {v:,}" for k, v in floor_written.items()),
            "",
        ]
    )
    print(
        _common.table(
            ["what", "seconds", "ratio (baseline / this)", "rows written", f"< {GOAL_SECONDS:.0f} s"], table
        )
    )
    print(f"\nrun 1 output: {runs[0][2]}")
    print(
        f"raw SQL found: {raw_found} — the same rows as the command reported: {'yes' if same_rows else 'NO'}"
    )
    print(f"run 2 wrote {second_wrote} rows (must be 0): {'yes' if second_wrote == 0 else 'NO'}")
    print("\nin process, on the same data rebuilt: each service of the command, run 1 then run 2")
    print(
        _common.table(
            ["service", "rows written", "seconds", "queries", "slowest query s"]
            + ["run 2: rows", "seconds", "queries", "slowest query s"],
            parts,
        )
    )
    if args.explain:
        explain(today)


def explain(today: dt.date, top: int = 5) -> None:
    """EXPLAIN ANALYZE of the command's slowest SELECTs, on the data as the in-process passes left
    it (so they find nothing new to write), in a transaction rolled back."""
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        for _label, fn in SERVICES:
            fn(today=today)
        transaction.set_rollback(True)
    selects = [q for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    with transaction.atomic(), connection.cursor() as cursor:
        for query in sorted(selects, key=lambda q: -float(q["time"]))[:top]:
            sql = query["sql"]
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print(f"\n-- {query['time']} s: {sql[:300]}{'…' if len(sql) > 300 else ''}")
            print("\n".join(line for (line,) in cursor.fetchall()))
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
