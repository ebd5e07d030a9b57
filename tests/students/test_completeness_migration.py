"""R5.1 now reads the entry evidence: the records complete before keep that as ``form_complete``,
and are complete only with the proofs their district requires (the household proof by default; a
district that set it off keeps its records complete)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("students", "0016_progression_archive_required")]
AFTER = [("students", "0017_record_form_complete")]


def test_r5_1_complete_records_need_their_districts_proofs_after_the_migration():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Jurisdiction = apps.get_model("org", "Jurisdiction")
    School = apps.get_model("org", "School")
    User = apps.get_model("org", "User")
    PolicyValue = apps.get_model("org", "PolicyValue")
    Student = apps.get_model("students", "Student")
    Enrollment = apps.get_model("students", "Enrollment")
    Evidence = apps.get_model("students", "Evidence")

    def school(code: str, name: str):
        district = Jurisdiction.objects.create(code=code, name=name, level="district")
        return School.objects.create(
            code=code + "0001",
            name=f"{name}小学",
            district=district,
            kind="primary",
            grade_from=1,
            grade_to=6,
        )

    beiguan, wenfeng = school("410503", "北关区"), school("410502", "文峰区")
    admin = User.objects.create(username="admin", role="district_admin", jurisdiction=wenfeng.district)
    PolicyValue.objects.create(
        jurisdiction=wenfeng.district,
        key="archive.needs_evidence.household",
        value=0,
        reason="区规定",
        updated_by=admin,
    )

    def student(n: int, at, *, complete: bool = True):
        made = Student.objects.create(
            xjh=f"G41050320140101{n:03d}",
            name="陈小北",
            gender="1",
            birth_date=dt.date(2014, 1, 1),
            id_type="1",
            id_number=f"41050320140101{n:03d}X",
            is_complete=complete,
        )
        Enrollment.objects.create(
            student=made,
            school=at,
            grade=3,
            entry_date=dt.date(2023, 9, 1),
            entry_mode="11",
            attendance_mode="1",
            origin="new",
            status="01",
            is_current=True,
            record_due=dt.date(2023, 10, 1),
        )
        return made

    with_proof, without, lacking = (
        student(1, beiguan),
        student(2, beiguan),
        student(3, beiguan, complete=False),
    )
    not_required = student(4, wenfeng)
    for owner in (with_proof, lacking):
        Evidence.objects.create(
            student=owner,
            category="household",
            original_name="户口簿.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            storage_name=f"scan{owner.pk}.pdf",
            uploaded_by=admin,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    Student = executor.loader.project_state(AFTER).apps.get_model("students", "Student")
    flags = {s.pk: (s.form_complete, s.is_complete) for s in Student.objects.all()}
    assert flags == {
        with_proof.pk: (True, True),
        without.pk: (True, False),  # its household proof is not on file
        lacking.pk: (False, False),
        not_required.pk: (True, True),  # 文峰区 does not require it
    }

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to the latest for the next tests
