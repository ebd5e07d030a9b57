"""The archive's two seams: the hand-over when a record moves to another school (R8.1) and the
filing of a completed case's documents into the student's evidence (category 二, R17.1).

Every move of a student to another school goes through ``archive_hand_over``; every completed case
with a student goes through ``archive_file_documents``. The archive (Art. 7, 8, 16, 17) builds on
these two functions: today the hand-over returns the record as it left (labels and shown values,
with its SHA-256), which the moving case keeps for the old school's read-only view.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from xueji.audit import actions
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.org.models import School, User
from xueji.students.models import Enrollment, Evidence, Student

# Bookkeeping fields the snapshot leaves out: they say nothing about the student.
_NOT_IN_SNAPSHOT = ("id", "is_complete", "created_at", "updated_at", "name_initials")


def archive_hand_over(
    *,
    actor: User | None,
    enrollment: Enrollment,
    to_school: School | None,
    reference: str,
    to_party: str = "",
) -> dict[str, Any]:
    """The record as it was when it left ``enrollment.school`` for ``to_school`` (or, outside this
    deployment, ``to_party``) (R8.1: the old school keeps a read-only, checksummed copy). Labels
    and shown values, so it reads the same after code tables change. Called inside the moving
    transaction, before the enrollment closes."""
    student = enrollment.student
    rows: list[list[str]] = []
    for field in Student._meta.concrete_fields:
        if field.name in _NOT_IN_SNAPSHOT:
            continue
        value = getattr(student, field.name)
        shown = dict(field.choices).get(value, value) if field.choices else value
        if isinstance(shown, bool):
            shown = "是" if shown else "否"  # read by people: never True/False
        rows.append([str(field.verbose_name), "" if shown is None else str(shown)])
    placement = [
        ["学校", enrollment.school.name],
        ["年级班级", enrollment.placement],
        ["入学日期", enrollment.entry_date.isoformat()],
        ["建籍方式", enrollment.get_origin_display()],
    ]
    family = [
        [f"{m.get_position_display()}", f"{m.name}（{m.get_relation_display()}）"]
        for m in sorted(student.family.all(), key=lambda m: m.position)  # prefetched in bulk
    ]
    body = {
        "student": rows,
        "enrollment": placement,
        "family": family,
        "taken_on": clock.today().isoformat(),
        "to": to_school.name if to_school is not None else to_party,
    }
    digest = hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return {**body, "sha256": digest}


@dataclass(frozen=True)
class CaseFile:
    """A document of a completed case, as the student's evidence files it."""

    label: str  # the category's name ("监护人转学申请")
    original_name: str
    content_type: str
    size: int
    sha256: str
    storage_name: str
    uploaded_by_id: int


def archive_file_documents(
    *,
    actor: User | None,
    student: Student,
    school: School,
    reference: str,
    what: str,
    files: Iterable[CaseFile],
) -> int:
    """R17.1: the documents of a completed case join the student's evidence (category 二), under
    the case that brought them (``reference``, its number; ``what``, its kind). The stored file is
    shared, not copied. Filing the same case twice files nothing twice."""
    files = list(files)
    if not files:
        return 0
    already = set(
        Evidence.objects.filter(student=student, reference=reference).values_list("storage_name", flat=True)
    )
    rows = [
        Evidence(
            student=student,
            category=Evidence.Category.CASE,
            description=f"{what} {reference}：{f.label}"[:200],
            original_name=f.original_name,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            storage_name=f.storage_name,
            reference=reference,
            uploaded_by_id=f.uploaded_by_id,
        )
        for f in files
        if f.storage_name not in already
    ]
    Evidence.objects.bulk_create(rows)
    if rows:
        audit_record(
            actor=actor,
            action=actions.EVIDENCE_FILE_FROM_CASE,
            subject=student,
            school=school,
            changes={"evidence": [None, len(rows)]},
            rules=["R17.1", "R7.2"],
            note=reference,
        )
    return len(rows)
