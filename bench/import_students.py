"""Benchmark 1: a 100,000-row workbook imported end to end, against the raw pipeline.

Product: ``import_job_create`` + ``import_job_run`` (calamine read, every row through the
registration rules, duplicate and 学籍号 checks, write in batches with history and one audit
event per record, one transaction). Raw baseline, measured in the same run on the same file:
calamine read + COPY of the same cells into one table of text columns. A second reference, the
write floor, times COPY of the rows the import wrote back into the same eight tables.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueji_bench_import \\
        python bench/import_students.py [--rows 100000] [--profile]

The database is emptied of students first (it is a benchmark database, never a real one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import time

os.environ.setdefault("XUEJI_ENV", "demo")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xueji.settings")
os.environ.setdefault("XUEJI_FIXED_TODAY", "2026-11-20")

import django  # noqa: E402

django.setup()

import xlsxwriter  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from xueji.core.identity import gb11643_check_char  # noqa: E402
from xueji.exchange import layouts, services  # noqa: E402
from xueji.org.models import GradeCapacity, Jurisdiction, Role, School, SchoolYear, Semester, User  # noqa: E402

PHASES: list[tuple[str, float]] = []
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "明华强伟芳娜敏静丽军磊洋勇艳杰涛超霞平刚桂英"


def world() -> tuple[School, User]:
    henan, _ = Jurisdiction.objects.get_or_create(
        code="410000", defaults={"name": "河南省", "level": "province"}
    )
    city, _ = Jurisdiction.objects.get_or_create(
        code="410500", defaults={"name": "安阳市", "level": "city", "parent": henan}
    )
    district, _ = Jurisdiction.objects.get_or_create(
        code="410503", defaults={"name": "北关区", "level": "district", "parent": city}
    )
    school, _ = School.objects.get_or_create(
        code="4105039901",
        defaults={
            "name": "基准测试小学",
            "district": district,
            "kind": "primary",
            "grade_from": 1,
            "grade_to": 6,
        },
    )
    for grade in range(1, 7):
        GradeCapacity.objects.get_or_create(
            school=school, grade=grade, defaults={"classes": 400, "seats_per_class": 45}
        )
    for start in range(2020, 2027):
        year, _ = SchoolYear.objects.get_or_create(
            start_year=start, defaults={"start": dt.date(start, 8, 20), "end": dt.date(start + 1, 8, 19)}
        )
        Semester.objects.get_or_create(
            school_year=year,
            term="autumn",
            defaults={
                "start": dt.date(start, 9, 1),
                "end": dt.date(start + 1, 1, 20),
                "teaching_weeks": 20,
                "teaching_hours": 600,
            },
        )
    user = User.objects.filter(username="bench_registrar").first()
    if user is None:
        user = User(username="bench_registrar", role=Role.REGISTRAR, school=school, full_name="基准测试")
        user.set_unusable_password()
        user.save()
    return school, user


def workbook(rows: int) -> bytes:
    """Existing records of grades 1–6 (the district's one-time move-in), every ID number distinct."""
    columns = layouts.EXISTING_RECORDS.columns
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet("学生信息")
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.header)
    per_day = {}
    for r in range(1, rows + 1):
        grade = 1 + r % 6
        birth = dt.date(2020 - grade, 9, 1) + dt.timedelta(days=(r * 7919) % 365)
        seq = per_day.get(birth, 0)
        per_day[birth] = seq + 1
        male = r % 2 == 0
        body = f"410503{birth:%Y%m%d}{(seq * 2 + (1 if male else 0)) % 1000:03d}"
        number = body + gb11643_check_char(body)
        name = SURNAMES[r % len(SURNAMES)] + GIVEN[(r // 7) % len(GIVEN)] + GIVEN[(r // 131) % len(GIVEN)]
        cells = {
            "xjh": "G" + number,
            "student.name": name,
            "student.gender": "男" if male else "女",
            "student.birth_date": birth.isoformat(),
            "student.birthplace_code": "410503",
            "student.native_place": "河南安阳",
            "student.ethnicity": "汉族",
            "student.nationality": "中国",
            "student.id_type": "居民身份证",
            "student.id_number": number,
            "student.hk_mo_tw": "否",
            "student.health": "健康或良好",
            "student.household_place_code": "410503",
            "student.household_type": "非农业户口",
            "enrollment.grade": str(grade),
            "enrollment.entry_date": f"{2026 - grade + 1}-09-01",
            "enrollment.entry_mode": "就近入学",
            "enrollment.attendance_mode": "走读",
            "student.current_address": "安阳市北关区红旗路12号",
            "student.mailing_address": "安阳市北关区红旗路12号",
            "student.home_address": "安阳市北关区红旗路12号",
            "student.phone": "13812345678",
            "student.postal_code": "455000",
            "student.only_child": "否",
            "student.preschool": "是",
            "family1.name": "王建国",
            "family1.relation": "父亲",
            "family1.phone": "13912345678",
            "family1.is_guardian": "是",
        }
        for col, column in enumerate(columns):
            value = cells.get(column.key)
            if value is not None:
                sheet.write_string(r, col, value)
    book.close()
    return buffer.getvalue()


def empty_students() -> None:
    with connection.cursor() as cursor:
        tables = [
            "students_historicalfamilymember",
            "students_historicalenrollment",
            "students_historicalstudent",
            "students_familymember",
            "students_enrollment",
            "students_xjhalias",
            "changes_casedocument",
            "changes_caseevent",
            "changes_case",
            "students_evidence",
            "students_student",
            "audit_auditevent",
            "exchange_importjob",
        ]
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


def raw_pipeline(data: bytes) -> tuple[float, float]:
    """calamine read + COPY of the same cells into one table of text columns: (read, total) seconds."""
    started = time.perf_counter()
    grid = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("学生信息").to_python()
    read = time.perf_counter() - started
    width = len(grid[0])
    with connection.cursor() as cursor:
        columns = ", ".join(f"c{i} text" for i in range(width))
        cursor.execute("DROP TABLE IF EXISTS bench_raw_import")
        cursor.execute(f"CREATE TABLE bench_raw_import ({columns})")
        if connection.vendor == "postgresql":
            names = ", ".join(f"c{i}" for i in range(width))
            with cursor.cursor.copy(f"COPY bench_raw_import ({names}) FROM STDIN") as copy:
                for row in grid[1:]:
                    copy.write_row([None if v == "" else str(v) for v in row])
        else:
            marks = ", ".join("?" * width)
            cursor.executemany(
                f"INSERT INTO bench_raw_import VALUES ({marks})",  # noqa: S608
                [[None if v == "" else str(v) for v in row] for row in grid[1:]],
            )
        cursor.execute("DROP TABLE bench_raw_import")
    return read, time.perf_counter() - started


WRITTEN_TABLES = [
    "students_student",
    "students_xjhalias",
    "students_familymember",
    "students_enrollment",
    "students_historicalstudent",
    "students_historicalfamilymember",
    "students_historicalenrollment",
    "audit_auditevent",
]


def write_floor() -> tuple[float, int]:
    """COPY of the rows the import wrote, back into the same tables with all their indexes.

    The least the write phase can cost whatever the code (no rules, no Python per row): the rows
    are taken out with COPY TO, the tables emptied, and the same bytes timed going back in.
    Returns (seconds, rows).
    """
    dumps: dict[str, bytes] = {}
    with connection.cursor() as cursor:
        for table in WRITTEN_TABLES:
            buffer = io.BytesIO()
            with cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
                for block in copy:
                    buffer.write(block)
            dumps[table] = buffer.getvalue()
        cursor.execute(f"TRUNCATE {', '.join(WRITTEN_TABLES)}, exchange_importjob CASCADE")
        cursor.execute("CHECKPOINT")  # the import's own writes do not slow the timed ones
        started = time.perf_counter()
        with connection.cursor() as inner:
            inner.execute("BEGIN")
            for table in WRITTEN_TABLES:
                with inner.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(dumps[table])
            inner.execute("COMMIT")
        elapsed = time.perf_counter() - started
    return elapsed, sum(d.count(b"\n") for d in dumps.values())


def product(data: bytes, school: School, user: User, profile: bool) -> tuple[float, object]:
    started = time.perf_counter()
    job = services.import_job_create(actor=user, school=school, data=data, original_name="bench.xlsx")
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    phases: dict[str, float] = {}

    def record(phase: str, done: int, total: int) -> None:
        phases.setdefault(phase, time.perf_counter())

    job = services.import_job_run(job.pk, progress=record)
    elapsed = time.perf_counter() - started
    marks = [
        ("accept", started),
        *sorted(phases.items(), key=lambda item: item[1]),
        ("end", started + elapsed),
    ]
    PHASES.clear()
    PHASES.extend(
        (name, later - at) for (name, at), (_, later) in zip(marks, marks[1:], strict=False) if name != "done"
    )
    if profile:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return elapsed, job


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    school, user = world()
    print(f"generating a workbook of {args.rows:,} rows …", file=sys.stderr)
    data = workbook(args.rows)
    print(f"{len(data) / 1e6:.1f} MB; database {connection.vendor}", file=sys.stderr)
    empty_students()
    raw_read, raw = raw_pipeline(data)
    seconds, job = product(data, school, user, args.profile)
    assert job.state == "done" and job.imported == args.rows, (job.state, job.message)
    floor, floor_rows = write_floor() if connection.vendor == "postgresql" else (0.0, 0)
    empty_students()
    print()
    print(f"import of {args.rows:,} rows ({connection.vendor})")
    print(f"{'pipeline':<44}{'seconds':>10}{'rows/s':>12}")
    print(f"{'raw: calamine read + COPY into one table':<44}{raw:>10.2f}{args.rows / raw:>12,.0f}")
    print(
        f"{'xueji: read, rules, dedupe, write, history, audit':<44}{seconds:>10.2f}{args.rows / seconds:>12,.0f}"
    )
    if floor:
        floor += raw_read  # the floor reads the workbook too
        label = f"floor: read + COPY of the {floor_rows:,} rows written"
        print(f"{label:<44}{floor:>10.2f}{args.rows / floor:>12,.0f}")
    print(f"ratio (raw time / xueji time): {raw / seconds:.2f}   goal ≥ 0.5 on PostgreSQL")
    if floor:
        print(
            f"ratio raw / floor: {raw / floor:.2f} — the most any import that writes these rows "
            "(records, history, audit, with their indexes) could reach"
        )
    print("xueji by phase: " + ", ".join(f"{name} {secs:.1f}s" for name, secs in PHASES))


if __name__ == "__main__":
    main()
