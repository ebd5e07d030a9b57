"""R8.1: when a record leaves a school (transfer, 升学) the school keeps a frozen snapshot of the
whole archive — base information, enrollment, family, change history, every document with its
SHA-256 — written once, never changed, verifiable on demand (a changed byte anywhere is found),
reachable from the old school's own lists; where schooling ends (death, graduation without 升学
here, a dropout's closed record) the school keeps it permanently."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import pytest
from django.db import connection, transaction

from tests.changes.builders import advance, case_in_state
from tests.changes.conftest import START_EVIDENCE, attach, pupil, start
from tests.conftest import login
from xueji.audit.models import AuditEvent
from xueji.core import evidence
from xueji.students import handover
from xueji.students.models import ArchiveSnapshot, Enrollment
from xueji.students.services import evidence_attach, student_update

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4 household register scan"


@pytest.fixture
def moved(world):
    """A transfer from school C (文峰区东关小学) to school A, completed; the student had a phone
    change and a document on file at school C before leaving."""
    student = pupil(world)
    student_update(actor=world.registrar_c, student=student, changes={"phone": "13900001111"})
    evidence_attach(
        actor=world.registrar_c,
        student=student,
        file=BytesIO(PDF),
        original_name="户口簿.pdf",
        category="household",
    )
    case = start(world, student)
    attach(case, world.registrar_a, *START_EVIDENCE)
    while case.state != "completed":
        case = advance(case)
    return ArchiveSnapshot.objects.get(pk=case.facts["archive_id"])


def test_r8_1_the_old_school_keeps_every_category_as_it_was(world, moved):
    assert (moved.school, moved.to_school, moved.kind) == (world.school_c, world.school_a, "handover")
    content = moved.content
    student = dict(content["student"])
    assert student["姓名"] == "陈小北" and student["联系电话"] == "13900001111"
    assert ["学校", "文峰区东关小学"] in content["enrollment"] and content["family"]
    assert any(row[4] == "联系电话" and row[6] == "13900001111" for row in content["history"])
    (file,) = content["files"]
    assert file["name"] == "户口簿.pdf" and file["sha256"] == evidence.hashlib.sha256(PDF).hexdigest()
    assert moved.sha256 == handover.digest(content)


def test_r8_1_verification_passes_and_is_logged(world, moved):
    result = handover.archive_verify(actor=world.registrar_c, snapshot=moved)
    assert result.intact and result.files == 1
    event = AuditEvent.objects.get(action="archive.verify")
    assert event.changes == {"intact": [None, True]} and event.rules == ["R8.1"]


def test_r8_1_a_changed_byte_in_a_document_is_found(world, moved):
    path = evidence.path_of(moved.content["files"][0]["storage_name"])
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    result = handover.archive_verify(actor=world.registrar_c, snapshot=moved)
    assert result.problems == ["材料「户口簿.pdf」的文件内容与备份时不一致：已被改动。"]


def test_r8_1_a_changed_byte_in_the_content_is_found(world, moved):
    with connection.cursor() as cursor:  # what the application cannot do, done behind its back
        table = ArchiveSnapshot._meta.db_table
        value = "REPLACE(content::text, '13900001111', '13900001112')::jsonb"
        if connection.vendor == "sqlite":
            value = "REPLACE(content, '13900001111', '13900001112')"
        cursor.execute(f"UPDATE {table} SET content = {value}")  # noqa: S608
    tampered = ArchiveSnapshot.objects.get(pk=moved.pk)
    result = handover.archive_verify(actor=world.registrar_c, snapshot=tampered)
    assert result.problems == ["档案内容与保存时的校验码不一致：备份已被改动。"]


def test_r8_1_a_missing_document_is_found(world, moved):
    evidence.path_of(moved.content["files"][0]["storage_name"]).unlink()
    result = handover.archive_verify(actor=world.registrar_c, snapshot=moved)
    assert result.problems == ["材料「户口簿.pdf」的文件缺失。"]


def test_r8_1_a_snapshot_is_never_changed_or_deleted_through_the_application(moved):
    moved.reference = "改动"
    for attempt in (
        moved.save,
        lambda: ArchiveSnapshot.objects.filter(pk=moved.pk).update(reference="改动"),
        lambda: ArchiveSnapshot.objects.filter(pk=moved.pk).delete(),
        lambda: ArchiveSnapshot.objects.get(pk=moved.pk).delete(),
    ):
        with pytest.raises(PermissionError), transaction.atomic():
            attempt()
    assert ArchiveSnapshot.objects.get(pk=moved.pk).reference.startswith("ZX")  # the transfer's number


def test_r8_1_the_old_school_finds_it_in_its_lists_and_the_new_school_does_not(world, moved):
    old = login(world.registrar_c)
    listed = old.post("/students/archive/", {"q": "陈小"}, follow=True).content.decode()
    assert f"/students/archive/{moved.pk}/" in listed and "北关区红旗路小学" in listed
    page = old.get(f"/students/archive/{moved.pk}/").content.decode()
    assert "户口簿.pdf" in page and moved.sha256 in page and "变更记录" in page
    assert moved.student.id_number not in page  # masked (R21.1)
    assert AuditEvent.objects.filter(action="archive.view", subject_id=str(moved.pk)).exists()
    assert login(world.registrar_a).get(f"/students/archive/{moved.pk}/").status_code == 404
    assert (
        f"/students/archive/{moved.pk}/"
        not in login(world.registrar_a).get("/students/archive/").content.decode()
    )
    assert login(world.officer_wf).get(f"/students/archive/{moved.pk}/").status_code == 200
    assert login(world.officer).get(f"/students/archive/{moved.pk}/").status_code == 404


def test_r8_1_verification_through_the_page(world, moved):
    client = login(world.registrar_c)
    response = client.post(f"/students/archive/{moved.pk}/verify/", follow=True)
    assert "校验通过" in response.content.decode()
    assert client.get(f"/students/archive/{moved.pk}/verify/").status_code == 302  # GET verifies nothing
    assert AuditEvent.objects.filter(action="archive.verify").count() == 1


def test_r8_1_the_transfer_case_links_the_old_schools_copy_only_for_it(world, moved):
    from xueji.changes.models import Case

    case = Case.objects.get(number=moved.reference)
    link = f"/students/archive/{moved.pk}/"
    assert "snapshot" not in case.facts  # the copy is not JSON on the case
    assert link in login(world.registrar_c).get(f"/cases/{case.pk}/").content.decode()
    assert link not in login(world.registrar_a).get(f"/cases/{case.pk}/").content.decode()


def test_r8_1_where_schooling_ends_with_a_death_the_school_keeps_the_archive_for_good(world):
    case = case_in_state("death", "completed", world)
    kept = ArchiveSnapshot.objects.get(student=case.student)
    enrollment = Enrollment.objects.get(student=case.student)
    assert (kept.kind, kept.school, kept.enrollment, kept.reference) == (
        "kept",
        enrollment.school,
        enrollment,
        case.number,
    )
    assert ["学籍状态", "死亡"] in kept.content["enrollment"]
    assert kept.destination == "本校永久保存"


def test_r8_1_many_snapshots_at_once_read_in_a_fixed_number_of_queries(world):
    from django.test.utils import CaptureQueriesContext

    from tests.factories import enrolled

    def leaving(n):
        rows = [
            enrolled(
                world.school_a, grade=3, name=f"学生{'甲乙丙丁戊己庚辛'[i]}", birth=dt.date(2017, 4, 1 + i)
            )
            for i in range(n)
        ]
        return [
            handover.Leaving(enrollment=e)
            for e in Enrollment.objects.filter(student__in=rows, is_current=True)
            .select_related("school", "school_class", "student")
            .prefetch_related("student__family")
        ]

    two, eight = leaving(2), leaving(8)
    with CaptureQueriesContext(connection) as few:
        handover.archive_snapshots(actor=None, leaving=two, reference="A")
    with CaptureQueriesContext(connection) as many:
        handover.archive_snapshots(actor=None, leaving=eight, reference="B")
    assert len(many.captured_queries) == len(few.captured_queries)
    assert ArchiveSnapshot.objects.filter(reference="B").count() == 8


# --------------------------------------------------------------------------- the package for outside


@pytest.fixture
def sent_out(world):
    """A transfer to a school outside the deployment, approved by the district; the student had a
    document on file."""
    case = case_in_state("transfer_out", "draft", world)
    evidence_attach(
        actor=world.registrar_a,
        student=case.student,
        file=BytesIO(PDF),
        original_name="户口簿.pdf",
        category="household",
    )
    while case.state != "completed":
        case = advance(case)
    return ArchiveSnapshot.objects.get(pk=case.facts["archive_id"])


def test_r8_1_the_package_for_a_school_outside_holds_the_summary_every_document_and_the_manifest(
    world, sent_out
):
    import json
    import zipfile

    response = login(world.registrar_a).get(f"/students/archive/{sent_out.pk}/package.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(BytesIO(response.content)) as package:
        names = package.namelist()
        manifest = json.loads(package.read("清单.json"))
        documents = [n for n in names if n.startswith("材料/")]
        assert "学籍档案摘要.pdf" in names and "说明.txt" in names
        assert manifest["snapshot_sha256"] == sent_out.sha256
        for entry in manifest["files"]:
            assert evidence.hashlib.sha256(package.read(entry["path"])).hexdigest() == entry["sha256"]
    assert len(documents) == len(sent_out.content["files"]) == 1  # the household scan on file when it left
    assert AuditEvent.objects.filter(action="archive.package", subject_id=str(sent_out.pk)).exists()


def test_r8_1_only_the_keeping_schools_staff_download_it_and_a_changed_file_stops_it(world, sent_out, moved):
    assert login(world.registrar_c).get(f"/students/archive/{sent_out.pk}/package.zip").status_code == 404
    assert login(world.officer).get(f"/students/archive/{sent_out.pk}/package.zip").status_code == 403
    # A record that moved to a school here needs no package: the archive itself moved.
    assert login(world.registrar_c).get(f"/students/archive/{moved.pk}/package.zip").status_code == 404
    path = evidence.path_of(sent_out.content["files"][0]["storage_name"])
    path.write_bytes(path.read_bytes() + b"x")
    refused = login(world.registrar_a).get(f"/students/archive/{sent_out.pk}/package.zip", follow=True)
    assert "不能生成移交包" in refused.content.decode()
    assert not AuditEvent.objects.filter(action="archive.package").exists()


def test_r8_1_the_old_schools_search_points_to_its_copy_of_a_record_that_left(world, moved):
    client = login(world.registrar_c)
    page = client.post("/students/", {"q": "陈小"}, follow=True).content.decode()
    assert "另有 1 名已转出或已离校的学生" in page and "/students/archive/?s=" in page
    key = re.search(r"/students/archive/\?s=([\w-]+)", page).group(1)
    assert (
        "陈小" in client.get(f"/students/archive/?s={key}").content.decode()
    )  # the same search, read-only copies
    ours = login(world.registrar_a).post("/students/", {"q": "陈小"}, follow=True)
    assert "已转出或已离校" not in ours.content.decode()
