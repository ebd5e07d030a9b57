"""R8.1: the read-only copies kept as JSON before ArchiveSnapshot existed — a 升学's on its
Progression, a transfer's in its case's facts — become snapshots of kind "legacy" with their
original digests (so verifying them still proves them unchanged), and the JSON leaves the case."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("students", "0013_progression_outside"), ("changes", "0003_case_newest_index")]
AFTER = [("students", "0016_progression_archive_required"), ("changes", "0004_case_snapshot_to_archive")]


def _old_snapshot(to: str) -> dict:
    body = {
        "student": [["姓名", "陈小北"], ["是否孤儿", "否"]],
        "enrollment": [["学校", "北关区红旗路小学"]],
        "family": [["成员一", "王建国（父亲）"]],
        "taken_on": "2026-07-10",
        "to": to,
    }
    digest = hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return {**body, "sha256": digest}


def test_r8_1_old_json_copies_become_legacy_snapshots_keeping_their_digests():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Jurisdiction = apps.get_model("org", "Jurisdiction")
    School = apps.get_model("org", "School")
    User = apps.get_model("org", "User")
    Student = apps.get_model("students", "Student")
    Enrollment = apps.get_model("students", "Enrollment")
    Progression = apps.get_model("students", "Progression")
    Case = apps.get_model("changes", "Case")

    district = Jurisdiction.objects.create(code="410503", name="北关区", level="district")
    primary = School.objects.create(
        code="4105030001",
        name="北关区红旗路小学",
        district=district,
        kind="primary",
        grade_from=1,
        grade_to=6,
    )
    junior = School.objects.create(
        code="4105030002", name="北关区第一中学", district=district, kind="junior", grade_from=7, grade_to=9
    )
    user = User.objects.create(username="reg", role="registrar", school=primary)

    def student(n: int):
        return Student.objects.create(
            xjh=f"G41050320140101{n:03d}",
            name="陈小北",
            gender="1",
            birth_date=dt.date(2014, 1, 1),
            id_type="1",
            id_number=f"41050320140101{n:03d}X",
        )

    graduate, mover = student(1), student(2)
    left = Enrollment.objects.create(
        student=graduate,
        school=primary,
        grade=6,
        entry_date=dt.date(2020, 9, 1),
        entry_mode="11",
        attendance_mode="1",
        origin="new",
        status="07",
        is_current=False,
        record_due=dt.date(2020, 10, 1),
    )
    progression_copy = _old_snapshot(junior.name)
    Progression.objects.create(
        student=graduate,
        from_school=primary,
        to_school=junior,
        graduated=left,
        snapshot=progression_copy,
        source="学校办理",
        recorded_by=user,
    )
    Enrollment.objects.create(
        student=mover,
        school=primary,
        grade=3,
        entry_date=dt.date(2023, 9, 1),
        entry_mode="11",
        attendance_mode="1",
        origin="new",
        status="10",
        is_current=False,
        record_due=dt.date(2023, 10, 1),
    )
    case_copy = _old_snapshot("北关区第一中学")
    case = Case.objects.create(
        kind="transfer",
        number="ZX202600001",
        student=mover,
        school=junior,
        other_school=primary,
        facts={"grounds": "x", "snapshot": case_copy},
        state="completed",
        started_by=user,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    ArchiveSnapshot = apps.get_model("students", "ArchiveSnapshot")
    Progression = apps.get_model("students", "Progression")
    Case = apps.get_model("changes", "Case")

    from xueji.students.handover import digest

    kept = Progression.objects.get().archive
    assert (kept.kind, kept.school_id, kept.to_school_id, kept.sha256) == (
        "legacy",
        primary.pk,
        junior.pk,
        progression_copy["sha256"],
    )
    assert digest(kept.content) == kept.sha256  # verifying it still proves it unchanged
    case = Case.objects.get(pk=case.pk)
    assert "snapshot" not in case.facts and case.facts["grounds"] == "x"
    moved = ArchiveSnapshot.objects.get(pk=case.facts["archive_id"])
    assert (moved.school_id, moved.to_school_id, moved.reference, moved.sha256) == (
        primary.pk,
        junior.pk,
        "ZX202600001",
        case_copy["sha256"],
    )
    assert digest(moved.content) == moved.sha256

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to the latest for the next tests
