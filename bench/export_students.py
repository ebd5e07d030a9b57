"""Benchmark: the 国家学籍表 export of 100 000 students through the product's export path
(exports.students_export: scoped selector, family members, masking, xlsxwriter, access log) against
bare xlsxwriter writing the same cells, prepared in memory beforehand, so the baseline is only the
writing. Ratio = baseline time / product time: 1.0 would mean the product costs nothing on top of
writing the file; the goal is at least 0.5.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueji_bench_export \\
        python bench/export_students.py [--repeat 2] [--skip-generate] [--profile]

The first run migrates the database and generates the students with gen_demo's generator
(xueji.demo.generate) in one district of 郑州市; later runs find them. The export runs as a
city-level officer of 郑州市, whose scope is every generated student.
"""

from __future__ import annotations

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xueji_bench_export")

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import _common  # noqa: E402  (sets up Django)
import xlsxwriter  # noqa: E402
from django.db import connection  # noqa: E402

from xueji.demo.generate import CITY, DISTRICTS, generate  # noqa: E402
from xueji.exchange import exports  # noqa: E402
from xueji.org.models import User  # noqa: E402

STUDENTS = 100_000
LAYOUT = "national"


def ensure_students(skip: bool) -> int:
    _common.require_postgresql()
    _common.migrate()
    have = sum(_common.students_by_district().values())
    if not skip and have < STUDENTS:
        _common.say(f"生成 {STUDENTS - have:,} 名合成学生 Generating {STUDENTS - have:,} students …")
        generate(students=STUDENTS - have, districts=[DISTRICTS[0].code], log=_common.say)
        with connection.cursor() as cursor:  # fresh planner statistics, as autovacuum would leave them
            cursor.execute("VACUUM ANALYZE")
        have = sum(_common.students_by_district().values())
    return have


def product(user: User) -> tuple[float, int]:
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        count = exports.students_export(
            requested_by=user, filters=exports.StudentFilters(), layout=LAYOUT, out=out
        )
        return time.perf_counter() - started, count


def prepare_cells(user: User) -> tuple[list[exports.Field], list[tuple[Any, ...]]]:
    """Every cell the product writes, computed up front (not timed)."""
    layout = exports.STUDENT_LAYOUTS[LAYOUT]
    fields = layout.fields(exports.export_masking(user))
    rows = exports.student_export_rows(requested_by=user, filters=exports.StudentFilters())
    getters = [f.get for f in fields]
    cells = [tuple(get(row) for get in getters) for row in exports.student_rows(rows, family=layout.family)]
    return fields, cells


def baseline(fields: list[exports.Field], cells: list[tuple[Any, ...]]) -> float:
    """Bare xlsxwriter: the same options, header, formats and cells; nothing else."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        book = xlsxwriter.Workbook(out, exports.WORKBOOK_OPTIONS)
        sheet = book.add_worksheet(exports.STUDENT_LAYOUTS[LAYOUT].title)
        header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "valign": "vcenter"})
        text = book.add_format({"num_format": "@"})
        formats = {
            exports.DATE: book.add_format({"num_format": "yyyy-mm-dd"}),
            exports.DATETIME: book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        }
        kinds = [f.kind for f in fields]
        for col, field in enumerate(fields):
            sheet.set_column(col, col, field.width, text if field.kind == exports.TEXT else None)
            sheet.write_string(0, col, field.header, header)
        sheet.freeze_panes(1, 0)
        for r, row in enumerate(cells, start=1):
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                kind = kinds[col]
                if kind == exports.TEXT:
                    sheet.write_string(r, col, value)
                elif kind == exports.NUMBER:
                    sheet.write_number(r, col, value)
                else:
                    sheet.write_datetime(r, col, value, formats[kind])
        sheet.autofilter(0, 0, max(len(cells), 1), len(fields) - 1)
        book.close()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each path; the fastest counts")
    parser.add_argument("--skip-generate", action="store_true", help="use the students already there")
    parser.add_argument("--profile", action="store_true", help="profile one product run (pyinstrument)")
    args = parser.parse_args()

    ensure_students(args.skip_generate)
    user = _common.officer(CITY[0])
    if args.profile:
        from pyinstrument import Profiler

        with Profiler() as profiler:
            product(user)
        profiler.print(show_all=False)
        return

    # Cells first (not timed); then the two paths take turns, so a neighbour's load on a shared
    # machine falls on both alike. The fastest run of each counts.
    fields, cells = prepare_cells(user)
    product_times, base_times = [], []
    for _ in range(args.repeat):
        seconds, count = product(user)
        product_times.append(seconds)
        base_times.append(baseline(fields, cells))
        if count != len(cells):
            raise SystemExit(f"基准无效：两条路径的行数不同（{len(cells)} ≠ {count}）")
    product_time, base_time = min(product_times), min(base_times)

    print(_common.machine())
    print(f"export of {count:,} students, layout 国家学籍表 ({len(fields)} columns), best of {args.repeat}")
    print(
        _common.table(
            ["path", "seconds", "rows/s", "ratio (baseline / path)"],
            [
                ["bare xlsxwriter, cells prepared (baseline)", base_time, count / base_time, 1.0],
                [
                    "product: exports.students_export",
                    product_time,
                    count / product_time,
                    base_time / product_time,
                ],
            ],
        )
    )


if __name__ == "__main__":
    main()
