"""Benchmark: the inbox and the case list at 1,000 and at 100,000 status-change cases in one district.

Measured, for a school registrar and a school approver of 金水区's largest school and for the
金水区 district officer: ``changes.selectors.inbox`` (the first 50 to-dos, as the home page shows
them) and ``inbox_count`` (all of them); ``changes.selectors.case_list(...)`` — its first page of
50 (``list(qs[:50])``) and its count up to 10,000 (``core.pagination.CappedPaginator``, as the list
page and the API count) — p50/p95/p99 and the number of queries each costs
(CaptureQueriesContext), first with 1,000 cases in the district, then with 100,000. Then the
pages themselves with a logged-in client: ``/`` (home, which shows the inbox), ``/cases/``,
``/cases/?mine=1`` and the API ``/api/v1/cases?page_size=50`` and ``/api/v1/cases/inbox``
(bearer token).

Baseline, in the same run and for the same users: hand-written SQL (``cursor.execute``) returning
the same rows in the same order with what a row shows (student, schools, the party whose turn it
is) — the least any implementation must do; the script checks both give the same ids.
Goal: a constant number of queries however many cases, and p95 < 50 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueji_bench python bench/cases.py
        [--cases 100000] [--small 1000] [--samples 200] [--http-samples 30] [--skip-generate]
        [--explain]

The cases are written with COPY (bench/_cases.py), replacing the benchmark's earlier ones (and
those bench/daily.py made). The student data set is the shared one (bench/_common.py).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import _cases
import _common
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from xueji.changes import selectors
from xueji.core import clock
from xueji.core.pagination import CappedPaginator
from xueji.org.models import Jurisdiction, Role, School
from xueji.org.tokens import api_token_issue

GOAL_P95_MS = 50.0
PAGE = 50
CAP = 10_000  # the list page's and the API's count stops there (core.pagination.CappedPaginator)
DISTRICT = _common.BIG_DISTRICT

# What a list row shows, fetched with the case: the least any list must read.
ROW_SQL = """
SELECT c.id, c.number, c.kind, c.state, c.step_key, c.step_due, c.created_at,
       st.name, st.id_number, s.code, s.name, os.code, os.name, ow.name, oj.name, {late} AS late
FROM changes_case c
JOIN org_school s ON s.id = c.school_id
LEFT JOIN students_student st ON st.id = c.student_id
LEFT JOIN org_school os ON os.id = c.other_school_id
LEFT JOIN org_school ow ON ow.id = c.owner_school_id
LEFT JOIN org_jurisdiction oj ON oj.id = c.owner_jurisdiction_id
WHERE {where}
"""
LATE = "(c.state IN ('draft', 'open', 'returned') AND (c.is_overdue OR c.step_due < %(cutoff)s))"
OPEN = "c.state IN ('draft', 'open', 'returned')"


def raw_where(user: Any) -> tuple[str, dict[str, Any]]:
    """The user's scope in SQL: the school's own cases, or those of the district's schools."""
    if user.is_school_user:
        return "(c.school_id = %(school)s OR c.other_school_id = %(school)s)", {"school": user.school_id}
    return (
        "(c.school_id IN (SELECT id FROM org_school WHERE district_id = %(district)s) "
        "OR c.other_school_id IN (SELECT id FROM org_school WHERE district_id = %(district)s))",
        {"district": user.jurisdiction_id},
    )


def raw_inbox_where(user: Any) -> tuple[str, dict[str, Any]]:
    """The steps that are this user's turn: a registrar prepares (draft, returned), a school
    approver reviews open cases at the school, the officer acts for the district's bureau."""
    if user.role == Role.REGISTRAR:
        return "c.owner_school_id = %(school)s AND c.state IN ('draft', 'returned')", {
            "school": user.school_id
        }
    if user.role == Role.SCHOOL_APPROVER:
        return "c.owner_school_id = %(school)s AND c.state = 'open'", {"school": user.school_id}
    return f"c.owner_jurisdiction_id = %(district)s AND {OPEN}", {"district": user.jurisdiction_id}


class Raw:
    """The baselines of one user, as prepared statements' text and parameters."""

    def __init__(self, user: Any):
        cutoff = selectors.late_cutoff(requested_by=user)
        scope, params = raw_where(user)
        self.params = {**params, "cutoff": cutoff}
        self.list_sql = (
            ROW_SQL.format(late=LATE, where=scope) + " ORDER BY c.created_at DESC, c.id DESC LIMIT 50"
        )
        self.count_sql = (
            f"SELECT count(*) FROM (SELECT 1 FROM changes_case c WHERE {scope} LIMIT {CAP + 1}) AS capped"  # noqa: S608
        )
        owner, owner_params = raw_inbox_where(user)
        self.inbox_params = {**owner_params, "cutoff": cutoff}
        self.inbox_sql = (
            ROW_SQL.format(late=LATE, where=owner)
            + f" ORDER BY late DESC, c.step_due ASC NULLS LAST, c.id LIMIT {selectors.INBOX_SHOWN}"
        )
        self.inbox_count_sql = f"SELECT count(*) FROM changes_case c WHERE {owner}"  # noqa: S608

    def run(self, what: str) -> list[tuple]:
        sql, params = {
            "list": (self.list_sql, self.params),
            "count": (self.count_sql, self.params),
            "inbox": (self.inbox_sql, self.inbox_params),
            "inbox_count": (self.inbox_count_sql, self.inbox_params),
        }[what]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


def product(user: Any, what: str) -> Any:
    if what == "inbox":
        return selectors.inbox(requested_by=user, limit=selectors.INBOX_SHOWN)
    if what == "inbox_count":
        return selectors.inbox_count(requested_by=user)
    rows = selectors.case_list(requested_by=user)
    if what == "count":
        paginator = CappedPaginator(rows, PAGE, cap=CAP)
        return paginator.count + (1 if paginator.more else 0)  # as the raw count: up to CAP + 1
    return list(rows[:PAGE])


def check_same(user: Any, raw: Raw) -> None:
    """The baseline must return what the selector returns, or the ratio means nothing."""
    inbox = [todo.case.pk for todo in product(user, "inbox")]
    assert inbox == [r[0] for r in raw.run("inbox")], f"inbox of {user.username} differs from raw SQL"  # noqa: S101
    assert product(user, "inbox_count") == raw.run("inbox_count")[0][0], user.username  # noqa: S101
    assert [c.pk for c in product(user, "list")] == [r[0] for r in raw.run("list")], user.username  # noqa: S101
    assert product(user, "count") == raw.run("count")[0][0], user.username  # noqa: S101


def queries(fn: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def sample(
    fn: Callable[[], Any], raw_fn: Callable[[], Any] | None, n: int
) -> tuple[list[float], list[float]]:
    for _ in range(max(3, n // 10)):  # warm up
        fn()
        if raw_fn:
            raw_fn()
    product_t, raw_t = [], []
    for _ in range(n):  # interleaved: both see the same cache state
        started = time.perf_counter()
        fn()
        product_t.append(time.perf_counter() - started)
        if raw_fn:
            started = time.perf_counter()
            raw_fn()
            raw_t.append(time.perf_counter() - started)
    return product_t, raw_t


def ms(seconds: float) -> float:
    return seconds * 1000


def measure_selectors(users: dict[str, Any], samples: int) -> list[dict[str, Any]]:
    results = []
    for label, user in users.items():
        raw = Raw(user)
        check_same(user, raw)
        for what in ("inbox", "inbox_count", "list", "count"):
            n_rows = product(user, "inbox_count") if what == "inbox" else None
            product_t, raw_t = sample(
                lambda u=user, w=what: product(u, w), lambda w=what, r=raw: r.run(w), samples
            )
            results.append(
                {
                    "user": label,
                    "what": {
                        "inbox": "inbox()[:50]",
                        "inbox_count": "inbox_count()",
                        "list": "case_list()[:50]",
                        "count": "case_list() count ≤ 10,000",
                    }[what],
                    "rows": n_rows,
                    "queries": queries(lambda u=user, w=what: product(u, w)),
                    "product": _common.summary(product_t),
                    "raw": _common.summary(raw_t),
                }
            )
    return results


def measure_http(users: dict[str, Any], tokens: dict[str, str], samples: int) -> list[dict[str, Any]]:
    results = []
    for label, user in users.items():
        client = Client()
        client.force_login(user)
        api = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[label]}")
        for path, c in (
            ("/", client),
            ("/cases/", client),
            ("/cases/?mine=1", client),
            ("/api/v1/cases?page_size=50", api),
            ("/api/v1/cases/inbox", api),
        ):
            response = c.get(path)
            assert response.status_code == 200, (path, response.status_code)  # noqa: S101
            times, _ = sample(lambda c=c, p=path: c.get(p), None, samples)
            results.append(
                {
                    "user": label,
                    "what": f"GET {path}",
                    "rows": None,
                    "queries": queries(lambda c=c, p=path: c.get(p)),
                    "product": _common.summary(times),
                    "raw": None,
                }
            )
    return results


def home_queries(users: dict[str, Any], top: int = 5) -> None:
    """Where the home page's time goes: its slowest queries, per user (the page shows the inbox
    beside the students' to-dos and each kind's figures)."""
    print("\nGET / (home): its slowest queries")
    for label, user in users.items():
        client = Client()
        client.force_login(user)
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            client.get("/")
            total = time.perf_counter() - started
        in_sql = sum(float(q["time"]) for q in captured.captured_queries)
        print(f"  {label}: {ms(total):,.0f} ms, {len(captured)} queries, {ms(in_sql):,.0f} ms of them in SQL")
        for q in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:top]:
            sql = " ".join(q["sql"].split())
            where = sql.find(" FROM ")
            print(
                f"    {ms(float(q['time'])):7,.1f} ms  {sql[where + 1 : where + 150] if where > 0 else sql[:150]}…"
            )


def print_table(title: str, results: list[dict[str, Any]], size: int) -> None:
    print(f"\n{title} — {size:,} cases in 金水区")
    rows = []
    for r in results:
        p, b = r["product"], r["raw"]
        rows.append(
            [
                r["user"],
                r["what"],
                "" if r["rows"] is None else r["rows"],
                r["queries"],
                ms(p["p50"]),
                ms(p["p95"]),
                ms(p["p99"]),
                ms(b["p50"]) if b else "",
                ms(b["p95"]) if b else "",
                f"{p['p95'] / b['p95']:.1f}x" if b else "",
                "yes" if ms(p["p95"]) < GOAL_P95_MS else "NO",
            ]
        )
    print(
        _common.table(
            [
                "user",
                "measured",
                "to-dos",
                "queries",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "raw p50 ms",
                "raw p95 ms",
                "p95 ratio",
                f"p95 < {GOAL_P95_MS:.0f} ms",
            ],
            rows,
        )
    )


def explain(users: dict[str, Any]) -> None:
    for label, user in users.items():
        for what in ("inbox", "inbox_count", "list", "count"):
            with CaptureQueriesContext(connection) as captured:
                product(user, what)
            sql = [q["sql"] for q in captured.captured_queries if '"changes_case"' in q["sql"]][-1]
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(line for (line,) in cursor.fetchall())
            print(f"\n-- {label}: {what}\n{sql}\n{plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cases", type=int, default=100_000, help="cases in the district, second measurement"
    )
    parser.add_argument("--small", type=int, default=1_000, help="cases in the district, first measurement")
    parser.add_argument("--samples", type=int, default=200, help="calls per selector, user and size")
    parser.add_argument("--http-samples", type=int, default=30, help="requests per page and user (0: none)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--skip-generate", action="store_true", help="use the student data as it is")
    parser.add_argument("--max-load", type=float, default=1.0, help="wait for a 1-minute load below this")
    parser.add_argument("--wait", type=float, default=300, help="longest wait for that, seconds (0: no wait)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each selector's main query")
    args = parser.parse_args()

    _common.ensure_students(skip=args.skip_generate)
    if args.http_samples:
        call_command("collectstatic", "--noinput", verbosity=0)  # the pages' manifest static files

    # The users: the district's largest school (most cases), and the district's officer.
    district = Jurisdiction.objects.get(code=DISTRICT)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.school_id FROM students_enrollment e JOIN org_school s ON s.id = e.school_id "
            "WHERE e.is_current AND s.district_id = %s GROUP BY e.school_id ORDER BY count(*) DESC LIMIT 1",
            [district.pk],
        )
        (school_id,) = cursor.fetchone()
    school = School.objects.select_related("district").get(pk=school_id)
    users = {
        "school registrar": _cases.persona(Role.REGISTRAR, school),
        "school approver": _cases.persona(Role.SCHOOL_APPROVER, school),
        "district officer": _common.officer(DISTRICT),
    }
    tokens = {label: api_token_issue(user=user)[0] for label, user in users.items()}

    started = time.perf_counter()
    removed = _cases.remove_cases()
    pupils = _cases.sample_students([DISTRICT], args.cases, args.seed)
    if len(pupils) < args.cases:
        raise SystemExit(f"only {len(pupils):,} students in {DISTRICT}: not enough for {args.cases:,} cases")
    maker = _cases.CaseMaker(_cases.Plan(today=clock.today()), [DISTRICT], args.seed)
    _common.say(f"removed {removed:,} earlier benchmark cases; writing {args.small:,} …")

    reports = []
    for size, batch in ((args.small, pupils[: args.small]), (args.cases, pupils[args.small :])):
        t = time.perf_counter()
        counts = _cases.write_cases(maker, batch)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE changes_case")
            cursor.execute("ANALYZE changes_caseevent")
        _common.say(f"  {len(batch):,} cases written in {time.perf_counter() - t:.1f} s: {counts}")
        _common.wait_for_quiet(args.max_load, args.wait)
        results = measure_selectors(users, args.samples)
        http = measure_http(users, tokens, args.http_samples) if args.http_samples else []
        reports.append((size, results, http))
        if size == args.small:
            _common.say(f"writing {args.cases - args.small:,} more …")
    _common.say(f"set-up and measurements: {time.perf_counter() - started:.0f} s")

    print(f"\nbench/cases.py — inbox and case list, {args.samples} calls each (HTTP: {args.http_samples})")
    print(f"{school.name} ({school.code}) for the school users; {_common.machine()}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT state, count(*) FROM changes_case GROUP BY state ORDER BY count(*) DESC")
        print("cases by state: " + ", ".join(f"{s} {n:,}" for s, n in cursor.fetchall()))
    for size, results, http in reports:
        print_table("selectors (raw = hand-written SQL, same rows)", results, size)
        if http:
            print_table("pages and API (Django test client, in process)", http, size)
    if args.http_samples:
        home_queries(users)
    small, big = reports[0][1] + reports[0][2], reports[1][1] + reports[1][2]
    constant = all(a["queries"] == b["queries"] for a, b in zip(small, big, strict=True))
    print(f"\nqueries the same at {args.small:,} and {args.cases:,} cases: {'yes' if constant else 'NO'}")
    for a, b in zip(small, big, strict=True):
        if a["queries"] != b["queries"]:
            print(f"  {a['user']}: {a['what']}: {a['queries']} -> {b['queries']}")
    if args.explain:
        explain(users)


if __name__ == "__main__":
    main()
