"""R5.1: a class's household proofs in one ZIP, each scan named by its student's 学籍号 or ID
number; every file matched to a student of the school and checked before anything is stored (all
or nothing), the reasons listed by file name; the records' completeness follows."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import login
from tests.factories import enrolled
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.exchange.evidence_import_services import evidence_import
from xueji.students.models import Evidence, Student

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4 household register scan"


def _zip(files: dict[str, bytes], *, gbk: bool = False) -> io.BytesIO:
    buffer = io.BytesIO()
    swaps = []
    with zipfile.ZipFile(buffer, "w") as archive:
        for n, (name, data) in enumerate(files.items()):
            if gbk:  # as Windows' built-in 压缩 writes a Chinese name: GBK bytes, no UTF-8 flag
                raw = name.encode("gbk")
                placeholder = f"{n:0{len(raw)}d}".encode()  # written as ASCII, swapped below
                swaps.append((placeholder, raw))
                name = placeholder.decode()
            archive.writestr(name, data)
    content = buffer.getvalue()
    for placeholder, raw in swaps:  # in the local header and the central directory alike
        content = content.replace(placeholder, raw)
    return io.BytesIO(content)


def _pupils(world, n, school=None):
    return [
        enrolled(school or world.school_a, grade=3, name=f"学生{'甲乙丙'[i]}", birth=dt.date(2017, 4, 1 + i))
        for i in range(n)
    ]


def _run(world, files, **kwargs):
    return evidence_import(
        actor=world.registrar_a, school=world.school_a, upload=_zip(files, **kwargs), category="household"
    )


def test_r5_1_scans_named_by_xjh_or_id_number_complete_the_records(world):
    first, second, third = _pupils(world, 3)
    result = _run(
        world,
        {
            f"新生户口簿/{first.xjh}.pdf": PDF + b"1",
            f"{second.id_number}-{second.name}.pdf": PDF + b"2",
            f"{third.xjh.lower()}_户口簿.pdf": PDF + b"3",
            "__MACOSX/._x.pdf": b"junk",
            "Thumbs.db": b"junk",
        },
    )
    assert (result.refused, result.files, result.attached) == (False, 3, 3)
    assert all(Student.objects.get(pk=s.pk).is_complete for s in (first, second, third))
    assert Evidence.objects.get(student=second).original_name == f"{second.id_number}-{second.name}.pdf"
    assert AuditEvent.objects.filter(action="evidence.attach").count() == 3


def test_r5_1_chinese_names_from_windows_zip_are_read(world):
    [pupil] = _pupils(world, 1)
    result = _run(world, {f"{pupil.xjh}-户口簿.pdf": PDF}, gbk=True)
    assert result.attached == 1
    assert Evidence.objects.get().original_name == f"{pupil.xjh}-户口簿.pdf"


def test_r5_1_one_unknown_name_and_nothing_is_attached(world):
    (mine,) = _pupils(world, 1)
    [theirs] = _pupils(world, 1, school=world.school_c)
    result = _run(
        world,
        {
            f"{mine.xjh}.pdf": PDF,
            f"{theirs.xjh}.pdf": PDF,  # another school's student: not found here
            "王小明.pdf": PDF,
            f"{mine.id_number}.jpg": PDF,  # the same student twice
        },
    )
    assert result.refused and result.attached == 0
    assert result.problems == [
        f"「{theirs.xjh}.pdf」：文件名开头应为本校在籍学生的学籍号或身份证件号，没有找到“{theirs.xjh}”。",
        "「王小明.pdf」：文件名开头应为本校在籍学生的学籍号或身份证件号，没有找到“王小明.pdf”。",
        f"「{mine.id_number}.jpg」：与「{mine.xjh}.pdf」是同一名学生（学生甲），请只留一份或合并成一个文件。",
    ]
    assert not Evidence.objects.exists()


def test_r6_1_a_file_that_is_not_a_scan_stops_the_upload(world):
    first, second = _pupils(world, 2)
    result = _run(world, {f"{first.xjh}.pdf": PDF, f"{second.xjh}.pdf": b"just text renamed"})
    assert result.problems == [
        f"文件「{second.xjh}.pdf」：只接受 PDF、JPEG 或 PNG 格式的扫描件或照片（按文件内容识别，改扩展名无效）。"
    ]
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("upload", "code"),
    [(io.BytesIO(b"not a zip"), "bad_zip"), (_zip({}), "empty_zip")],
    ids=["not-a-zip", "empty"],
)
def test_r6_1_not_a_zip_or_an_empty_one_is_refused_in_words(world, upload, code):
    with pytest.raises(RuleViolation) as refused:
        evidence_import(actor=world.registrar_a, school=world.school_a, upload=upload, category="household")
    assert refused.value.code == code


def test_r5_1_the_page_uploads_and_shows_the_problems(world):
    [pupil] = _pupils(world, 1)
    client = login(world.registrar_a)
    page = client.get("/import/evidence/")
    assert page.status_code == 200 and "户口簿/户籍证明" in page.content.decode()

    wrong = client.post(
        "/import/evidence/",
        {"category": "household", "file": SimpleUploadedFile("a.zip", _zip({"x.pdf": PDF}).read())},
    )
    assert "没有找到“X”" in wrong.content.decode() and not Evidence.objects.exists()

    done = client.post(
        "/import/evidence/",
        {
            "category": "household",
            "file": SimpleUploadedFile("a.zip", _zip({f"{pupil.xjh}.pdf": PDF}).read()),
        },
    )
    assert "已上传 1 名学生的材料" in done.content.decode()
    assert Student.objects.get(pk=pupil.pk).is_complete


@pytest.mark.parametrize("persona", ["approver_a", "officer"])
def test_r2_2_only_the_registrar_uploads(world, persona):
    assert login(getattr(world, persona)).get("/import/evidence/").status_code == 403
