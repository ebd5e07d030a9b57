"""R7.2: archive records in bulk, one template per kind made from its declaration; every row checked
first, one bad row and nothing is written with the reasons beside the rows; the same record again
is updated with its history, never duplicated; only the school's own current students; the same
statements for 2 rows and for 12."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import login
from tests.exchange.conftest import fill
from tests.factories import enrolled
from xueji.archive.kinds import KINDS
from xueji.archive.models import ArchiveEntry
from xueji.audit.models import AuditEvent
from xueji.exchange.archive_import_services import archive_import, archive_template

pytestmark = pytest.mark.django_db
ACADEMIC = KINDS["academic"]


def _pupils(world, n, school=None):
    return [
        enrolled(
            school or world.school_a,
            grade=3,
            name=f"学生{'甲乙丙丁戊己庚辛壬癸子丑'[i]}",
            birth=dt.date(2017, 4, 1 + i),
        )
        for i in range(n)
    ]


def _row(student, subject="数学", result="优秀", name=None):
    return {
        "学籍号": student.xjh,
        "姓名": name or student.name,
        "学年学期": "2025-2026学年第二学期",
        "科目": subject,
        "成绩": result,
    }


def _file(world, rows):
    return fill(archive_template(actor=world.registrar_a, kind=ACADEMIC), rows)


def _import(world, rows, school=None):
    return archive_import(
        actor=world.registrar_a,
        school=school or world.school_a,
        kind=ACADEMIC,
        data=_file(world, rows),
        original_name="成绩.xlsx",
    )


def test_r7_2_a_clean_file_adds_every_record_and_an_audit_event_each(world):
    pupils = _pupils(world, 3)
    result = _import(world, [_row(p) for p in pupils])
    assert (result.refused, result.added, result.updated) == (False, 3, 0)
    assert ArchiveEntry.objects.filter(kind="academic").count() == 3
    assert AuditEvent.objects.filter(action="archive_entry.add").count() == 3
    assert all(e.history.count() == 1 for e in ArchiveEntry.objects.all())


def test_r7_2_the_same_records_again_update_with_history_never_duplicate(world):
    (pupil,) = _pupils(world, 1)
    _import(world, [_row(pupil)])
    again = _import(world, [_row(pupil, result="良好")])
    assert (again.added, again.updated) == (0, 1)
    entry = ArchiveEntry.objects.get()
    assert entry.data["result"] == "良好"
    assert [h.data["result"] for h in entry.history.order_by("history_id")] == ["优秀", "良好"]


def test_r7_2_one_bad_row_and_nothing_is_written_with_the_reasons_beside_the_rows(world):
    pupils = _pupils(world, 2)
    (other,) = _pupils(world, 1, school=world.school_c)
    rows = [
        _row(pupils[0]),
        _row(pupils[1], subject="拳击"),
        _row(pupils[0]),
        _row(other),
        _row(pupils[1], subject="语文", name="别人"),
    ]
    result = _import(world, rows)
    assert result.refused and result.errors == 4 and result.report.startswith(b"PK")
    assert (
        not ArchiveEntry.objects.exists()
        and not AuditEvent.objects.filter(action="archive_entry.add").exists()
    )
    text = "\n".join(result.first_errors)
    assert "第 3 行「科目」" in text and "与第 2 行是同一条记录" in text
    assert "本校没有这个学籍号的在籍学生" in text and "姓名与学籍不一致" in text


def test_r7_2_the_same_statements_for_2_rows_and_for_12(world):
    pupils = _pupils(world, 12)
    few, many = _file(world, [_row(p) for p in pupils[:2]]), _file(world, [_row(p, "语文") for p in pupils])
    with CaptureQueriesContext(connection) as two:
        archive_import(
            actor=world.registrar_a, school=world.school_a, kind=ACADEMIC, data=few, original_name="a"
        )
    with CaptureQueriesContext(connection) as twelve:
        archive_import(
            actor=world.registrar_a, school=world.school_a, kind=ACADEMIC, data=many, original_name="b"
        )
    assert len(twelve.captured_queries) == len(two.captured_queries)


def test_r7_2_each_kinds_template_has_its_own_columns_and_instructions(world):
    import io

    from python_calamine import CalamineWorkbook

    for kind in KINDS.values():
        book = CalamineWorkbook.from_filelike(
            io.BytesIO(archive_template(actor=world.registrar_a, kind=kind))
        )
        headers = book.get_sheet_by_name("学生信息").to_python()[0]
        assert headers[:2] == ["学籍号", "姓名"] and headers[2:] == [f.label for f in kind.fields], kind.key


def test_r7_2_through_the_page(world):
    pupils = _pupils(world, 2)
    client = login(world.registrar_a)
    page = client.get("/import/archive/?kind=fitness").content.decode()
    assert "体质健康测试" in page and "/import/archive/fitness.xlsx" in page
    upload = _file(world, [_row(p) for p in pupils])
    from django.core.files.uploadedfile import SimpleUploadedFile

    done = client.post(
        "/import/archive/", {"kind": "academic", "file": SimpleUploadedFile("成绩.xlsx", upload)}
    )
    assert "新增 2 条" in done.content.decode()
    assert login(world.officer).get("/import/archive/").status_code == 403


def test_r7_2_the_same_file_again_changes_nothing_and_one_changed_row_updates_that_record_only(world):
    pupils = _pupils(world, 3)
    rows = [_row(p, subject) for p in pupils for subject in ("语文", "数学", "外语")]
    _import(world, rows)
    again = _import(world, rows)
    assert (again.added, again.updated) == (0, 0)
    rows[4] = _row(pupils[1], "数学", result="合格")
    changed = _import(world, rows)
    assert (changed.added, changed.updated) == (0, 1)
    by = {(e.student_id, e.data["subject"]): e.data["result"] for e in ArchiveEntry.objects.all()}
    assert by[(pupils[1].pk, "数学")] == "合格" and by[(pupils[1].pk, "外语")] == "优秀"
    assert all(e.identity.endswith(e.data["subject"]) for e in ArchiveEntry.objects.all())
