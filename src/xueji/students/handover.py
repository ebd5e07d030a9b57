"""The archive's seams: the hand-over when a record leaves a school (R8.1), the copy a school keeps
when the schooling recorded here ends with it, and the filing of a completed case's documents into
the student's evidence (category 二, R17.1).

Every move of a student to another school goes through ``archive_hand_over`` (one student) or
``archive_snapshots`` (many, set-based); every completed case with a student goes through
``archive_file_documents``. A snapshot (``ArchiveSnapshot``) is every category of the archive as it
was — the base information, the enrollment, the family, the change history, the documents — with
the SHA-256 of each document and of the whole, written once; ``archive_verify`` recomputes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from xueji.audit import actions
from xueji.audit.services import audit_record
from xueji.core import bulk_insert, clock, evidence
from xueji.org.models import School, User
from xueji.students import hooks
from xueji.students.display import shown
from xueji.students.models import ArchiveSnapshot, Enrollment, Evidence, FamilyMember, Student

# Bookkeeping fields the snapshot leaves out: they say nothing about the student.
_NOT_IN_SNAPSHOT = ("id", "is_complete", "created_at", "updated_at", "name_initials")
# The version of the content's shape; a legacy snapshot (before the full archive) has none.
FORMAT = 2


def digest(content: Any) -> str:
    """The SHA-256 of a snapshot's content: canonical JSON (sorted keys, UTF-8)."""
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Leaving:
    """One record leaving a school: its enrollment (student and family fetched), where it goes."""

    enrollment: Enrollment
    to_school: School | None = None
    to_party: str = ""


def _student_rows(student: Student) -> list[list[str]]:
    rows: list[list[str]] = []
    for field in Student._meta.concrete_fields:
        if field.name in _NOT_IN_SNAPSHOT:
            continue
        value = getattr(student, field.name)
        text = shown(field.name, value, full=True) if field.name != "xjh" else value
        rows.append([str(field.verbose_name), "" if text == "（空）" else str(text)])
    return rows


def _family_rows(members: Iterable[FamilyMember]) -> list[list[str]]:
    return [
        [m.get_position_display(), f"{m.name}（{m.get_relation_display()}）", m.phone, m.id_number]
        for m in sorted(members, key=lambda m: m.position)
    ]


def _content(
    leaving: Leaving, history: Sequence[Any], files: Sequence[Evidence], part: dict[str, Any]
) -> dict[str, Any]:
    enrollment = leaving.enrollment
    student = enrollment.student
    return {
        "format": FORMAT,
        "student": _student_rows(student),
        "enrollment": [
            ["学校", enrollment.school.name],
            ["年级班级", enrollment.placement],
            ["入学日期", enrollment.entry_date.isoformat()],
            ["建籍方式", enrollment.get_origin_display()],
            ["学籍状态", enrollment.get_status_display()],
        ],
        "family": _family_rows(student.family.all()),  # prefetched by the callers
        "history": [
            [f"{c.at:%Y-%m-%d %H:%M}", c.user, c.kind, c.what, c.field, c.old, c.new] for c in history
        ],
        "files": [
            {
                "category": e.get_category_display(),
                "description": e.description,
                "name": e.original_name,
                "sha256": e.sha256,
                "size": e.size,
                "storage_name": e.storage_name,
                "filed_on": f"{e.uploaded_at:%Y-%m-%d}",
            }
            for e in files
        ],
        # Categories (三)–(六), as the archive app gives them (students.hooks).
        "records": part.get("records", []),
        "taken_on": clock.today().isoformat(),
        "to": leaving.to_school.name if leaving.to_school is not None else leaving.to_party,
    }


def archive_snapshots(
    *,
    actor: User | None,
    leaving: Sequence[Leaving],
    reference: str,
    kind: str = ArchiveSnapshot.Kind.HANDOVER,
) -> dict[int, ArchiveSnapshot]:
    """R8.1: the snapshot each school keeps of each record leaving it (or ending with it, ``kind``
    KEPT), by enrollment id. Set-based: the history and the documents of every student are read
    in a fixed number of queries and the snapshots written in one insert. Called inside the moving
    transaction, before the enrollments close."""
    from xueji.students.selectors import histories  # the history reader shares its diffing

    ids = [item.enrollment.student_id for item in leaving]
    history = histories(ids)
    parts = hooks.snapshot_parts(ids)
    files: dict[int, list[Evidence]] = {pk: [] for pk in ids}
    for chunk in bulk_insert.id_chunks(ids):
        for stored in Evidence.objects.filter(student_id__in=chunk).order_by("uploaded_at", "pk"):
            files[stored.student_id].append(stored)
    made = []
    for item in leaving:
        pk = item.enrollment.student_id
        content = _content(item, history[pk], files[pk], parts.get(pk, {}))
        made.append(
            ArchiveSnapshot(
                student_id=item.enrollment.student_id,
                school=item.enrollment.school,
                enrollment=item.enrollment,
                to_school=item.to_school,
                to_party=item.to_party[:100],
                kind=kind,
                reference=reference[:50],
                taken_on=clock.today(),
                content=content,
                sha256=digest(content),
            )
        )
    bulk_insert.insert(ArchiveSnapshot, made)  # sets their ids
    return {item.enrollment.pk: snap for item, snap in zip(leaving, made, strict=True)}


def archive_hand_over(
    *,
    actor: User | None,
    enrollment: Enrollment,
    to_school: School | None,
    reference: str,
    to_party: str = "",
    kind: str = ArchiveSnapshot.Kind.HANDOVER,
) -> ArchiveSnapshot:
    """The snapshot ``enrollment.school`` keeps of the record leaving it for ``to_school`` (or,
    outside this deployment, ``to_party``) (R8.1)."""
    leaving = Leaving(enrollment=enrollment, to_school=to_school, to_party=to_party)
    return archive_snapshots(actor=actor, leaving=[leaving], reference=reference, kind=kind)[enrollment.pk]


@dataclass(frozen=True)
class Verification:
    """What verifying a snapshot found: nothing wrong, or each problem in words."""

    problems: list[str]
    files: int

    @property
    def intact(self) -> bool:
        return not self.problems


def archive_verify(*, actor: User, snapshot: ArchiveSnapshot) -> Verification:
    """Recompute the snapshot's digest and every document's (R8.1: verifiable on demand); a changed
    byte anywhere is reported. The check is logged with its result."""
    problems = []
    if digest(snapshot.content) != snapshot.sha256:
        problems.append("档案内容与保存时的校验码不一致：备份已被改动。")
    files = snapshot.content.get("files", []) if isinstance(snapshot.content, dict) else []
    for item in files:
        name = item.get("name", "")
        try:
            data = evidence.path_of(str(item.get("storage_name", ""))).read_bytes()
        except (OSError, ValueError):
            problems.append(f"材料「{name}」的文件缺失。")
            continue
        if hashlib.sha256(data).hexdigest() != item.get("sha256"):
            problems.append(f"材料「{name}」的文件内容与备份时不一致：已被改动。")
    result = Verification(problems=problems, files=len(files))
    audit_record(
        actor=actor,
        action=actions.ARCHIVE_VERIFY,
        subject=snapshot,
        school=snapshot.school,
        changes={"intact": [None, result.intact]},
        rules=["R8.1"],
        note="；".join(problems)[:300] or f"完整：内容及 {len(files)} 份材料校验一致",
    )
    return result


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
