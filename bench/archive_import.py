"""Benchmark: a school's semester results (学业成绩, archive category 三) imported in one workbook,
against the raw pipeline.

Product: ``exchange.archive_import_services.archive_import`` — calamine read, each row checked
against its kind's declaration and its student found by 学籍号, the school's existing records read
for the identity match, then one insert of the records, their history and one audit event per
record, in one transaction. Raw baseline, measured in the same run on the same file: calamine read
+ COPY of the same cells into one table of text columns. The same file imported a second time
(every record already on file, unchanged) is timed too: it reads and compares, and writes nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueji_bench_import \\
        python bench/archive_import.py [--students 5000]

The students come from the registration import (``import_students``' workbook); the database is
emptied of students first (it is a benchmark database, never a real one).
"""

from __future__ import annotations

import argparse
import io
import sys
import time

import import_students as base  # noqa: E402  (sets Django up)
import xlsxwriter  # noqa: E402
from _common import machine, migrate, require_postgresql, say, table, wait_for_quiet  # noqa: E402
from django.db import connection  # noqa: E402

from xueji.archive.kinds import KINDS  # noqa: E402
from xueji.archive.models import ArchiveEntry  # noqa: E402
from xueji.exchange import services  # noqa: E402
from xueji.exchange.archive_import_services import archive_import, layout_of  # noqa: E402
from xueji.students.models import Enrollment  # noqa: E402

SUBJECTS = ("语文", "数学", "道德与法治", "体育与健康")
RESULTS = ("优秀", "良好", "合格")


def results_workbook() -> tuple[bytes, int]:
    """Four subjects' results of last semester for every current student of the bench school."""
    headers = [c.header for c in layout_of(KINDS["academic"]).columns]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet("学生信息")
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header)
    r = 0
    students = Enrollment.objects.filter(is_current=True).values_list("student__xjh", "student__name")
    for xjh, name in students.iterator():
        for subject in SUBJECTS:
            r += 1
            row = [xjh, name, "2025-2026学年第二学期", subject, RESULTS[r % 3], ""]
            for col, value in enumerate(row):
                if value:
                    sheet.write_string(r, col, value)
    book.close()
    return buffer.getvalue(), r


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--max-load", type=float, default=1.0)
    parser.add_argument("--wait", type=float, default=300)
    args = parser.parse_args()
    require_postgresql()
    migrate()
    school, user = base.world()
    base.empty_students()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE archive_archiveentry, archive_historicalarchiveentry CASCADE")
    say(f"registering {args.students} students (the registration import) …")
    job = services.import_job_create(
        actor=user, school=school, data=base.workbook(args.students), original_name="students.xlsx"
    )
    services.import_job_run(job.pk)
    data, rows = results_workbook()
    load = wait_for_quiet(args.max_load, args.wait)
    raw_read, raw_total = base.raw_pipeline(data)
    started = time.perf_counter()
    first = archive_import(
        actor=user, school=school, kind=KINDS["academic"], data=data, original_name="bench.xlsx"
    )
    product_first = time.perf_counter() - started
    assert not first.refused and first.added == rows, first.first_errors
    started = time.perf_counter()
    again = archive_import(
        actor=user, school=school, kind=KINDS["academic"], data=data, original_name="bench.xlsx"
    )
    product_again = time.perf_counter() - started
    assert (again.added, again.updated) == (0, 0), (again.added, again.updated, again.first_errors)
    assert ArchiveEntry.objects.count() == rows
    print(machine(), f"load {load:.2f}")
    print(
        table(
            ["", "seconds", "rows/s", "× raw"],
            [
                ["raw: read + COPY of the cells", f"{raw_total:.2f}", f"{rows / raw_total:,.0f}", "1.0"],
                ["  of which read", f"{raw_read:.2f}", "", ""],
                [
                    "product: first import",
                    f"{product_first:.2f}",
                    f"{rows / product_first:,.0f}",
                    f"{product_first / raw_total:.1f}",
                ],
                [
                    "product: same file again",
                    f"{product_again:.2f}",
                    f"{rows / product_again:,.0f}",
                    f"{product_again / raw_total:.1f}",
                ],
            ],
        )
    )
    print(f"{rows} records of {args.students} students")
    return 0


if __name__ == "__main__":
    sys.exit(main())
