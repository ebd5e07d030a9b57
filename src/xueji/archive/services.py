"""Every write of an archive record (R7.2 categories 三–六): entered by the registrar of the
student's current school, checked against its kind's declaration, one audit event each, history
kept; the same checks for a bulk import (``entries_import_rows``, set-based). Masked kinds (health,
aid) are audited without their content (R21.1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from xueji.archive.kinds import RecordKind, kind_of
from xueji.archive.models import ArchiveEntry
from xueji.audit import actions
from xueji.audit.services import audit_record, audit_record_many
from xueji.core import bulk_insert
from xueji.core.errors import Conflict, RuleViolation, RuleViolations
from xueji.org.models import School, User
from xueji.org.permissions import WRITE_STUDENTS, require_role
from xueji.students import rules
from xueji.students.models import Enrollment, Evidence, Student
from xueji.students.services import evidence_attach

MSG_TWICE = "该学生已有这条{label}记录（{identity}）。请修改已有的记录，不要重复录入。"


def _shown(kind: RecordKind, data: Mapping[str, Any]) -> str:
    """What the audit keeps of a record: its summary, or for a masked kind only that it exists."""
    return "（内容保密，不记入日志）" if kind.masked else kind.summary(data)


def _enrollment(actor: User, student: Student) -> Enrollment:
    enrollment = student.enrollments.select_related("school__district").get(is_current=True)
    require_role(actor, WRITE_STUDENTS, school=enrollment.school)
    rules.refuse_closed(enrollment.status)  # R15.1, R13.2: a closed record is read-only
    return enrollment


def _checked(kind: RecordKind, values: Mapping[str, Any]) -> dict[str, Any]:
    data, errors = kind.clean(values)
    if errors:
        raise RuleViolations(
            [
                RuleViolation(rule="R7.2", code="invalid", field=key, message=message)
                for key, message in errors.items()
            ]
        )
    return data


def _save_once(entry: ArchiveEntry, kind: RecordKind, actor: User) -> None:
    """Save with its history; the same record (its identity) already on file is refused (R7.2),
    also when two registrars save it at the same instant (the database's partial unique index)."""
    entry._history_user = actor  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise Conflict(
            rule="R7.2",
            code="entry_exists",
            field=kind.identity[0],
            message=MSG_TWICE.format(
                label=kind.label, identity=kind.identity_of(entry.data).replace("|", "，")
            ),
        ) from exc


@transaction.atomic
def entry_add(*, actor: User, student: Student, kind: str, values: Mapping[str, Any]) -> ArchiveEntry:
    """A new record; the same record (its declared identity) twice is refused, to be edited."""
    declared = kind_of(kind)
    enrollment = _enrollment(actor, student)
    data = _checked(declared, values)
    entry = ArchiveEntry(
        student=student,
        school=enrollment.school,
        kind=declared.key,
        period=declared.period(data),
        identity=declared.identity_of(data)[:300],
        data=data,
        created_by=actor,
    )
    _save_once(entry, declared, actor)
    audit_record(
        actor=actor,
        action=actions.ARCHIVE_ENTRY_ADD,
        subject=student,
        school=enrollment.school,
        changes={declared.key: [None, _shown(declared, data)]},
        rules=["R7.2"],
    )
    return entry


@transaction.atomic
def entry_update(*, actor: User, entry: ArchiveEntry, values: Mapping[str, Any]) -> ArchiveEntry:
    """Correct a record; the old values stay in its history."""
    entry = ArchiveEntry.objects.select_for_update().select_related("student").get(pk=entry.pk)
    declared = kind_of(entry.kind)
    enrollment = _enrollment(actor, entry.student)
    if entry.removed:
        raise RuleViolation(rule="R7.2", code="removed", message="该记录已撤销，不能修改。")
    data = _checked(declared, values)
    old = dict(entry.data)
    entry.data, entry.period, entry.identity = data, declared.period(data), declared.identity_of(data)[:300]
    _save_once(entry, declared, actor)
    audit_record(
        actor=actor,
        action=actions.ARCHIVE_ENTRY_UPDATE,
        subject=entry.student,
        school=enrollment.school,
        changes={declared.key: [_shown(declared, old), _shown(declared, data)]},
        rules=["R7.2"],
    )
    return entry


@transaction.atomic
def entry_remove(*, actor: User, entry: ArchiveEntry, reason: str) -> ArchiveEntry:
    """Withdraw a record entered by mistake: kept, marked, out of the lists (nothing is deleted)."""
    entry = ArchiveEntry.objects.select_for_update().select_related("student").get(pk=entry.pk)
    enrollment = _enrollment(actor, entry.student)
    if not reason.strip():
        raise RuleViolation(rule="R7.2", code="reason_required", field="reason", message="请写明撤销原因。")
    if entry.removed:
        return entry
    entry.removed, entry.removed_reason = True, reason.strip()[:200]
    entry._history_user = actor  # type: ignore[attr-defined]
    entry.save()
    declared = kind_of(entry.kind)
    audit_record(
        actor=actor,
        action=actions.ARCHIVE_ENTRY_REMOVE,
        subject=entry.student,
        school=enrollment.school,
        changes={declared.key: [_shown(declared, entry.data), None]},
        rules=["R7.2"],
        note=entry.removed_reason,
    )
    return entry


@transaction.atomic
def entry_attach(*, actor: User, entry: ArchiveEntry, file: IO[bytes], original_name: str) -> ArchiveEntry:
    """The proof of a record (a certificate, a test sheet) joins the student's evidence (category
    二) and is linked to the record."""
    entry = ArchiveEntry.objects.select_for_update().select_related("student").get(pk=entry.pk)
    declared = kind_of(entry.kind)
    description = f"{declared.label}：{entry.period or declared.identity_of(entry.data).replace('|', '，')}"
    item = evidence_attach(
        actor=actor,
        student=entry.student,
        file=file,
        original_name=original_name,
        category=Evidence.Category.ARCHIVE,
        description=description,
    )
    entry.evidence = item
    entry._history_user = actor  # type: ignore[attr-defined]
    entry.save()
    return entry


# --------------------------------------------------------------------------- bulk (imports)


@dataclass
class Row:
    """One record of a bulk import: the student it is for and its raw values; ``reasons`` filled
    by ``entries_check`` (field key → what is wrong)."""

    line: int
    student: Student | None
    values: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


def entries_check(kind: RecordKind, rows: Sequence[Row]) -> None:
    """Check every row against the declaration; the same record twice in one file is refused."""
    seen: dict[tuple[int, str], int] = {}
    for row in rows:
        row.data, errors = kind.clean(row.values)
        row.reasons.update(errors)
        if row.student is None or errors:
            continue
        key = (row.student.pk, kind.identity_of(row.data))
        if key in seen:
            row.reasons[kind.identity[0]] = f"与第 {seen[key]} 行是同一条记录。"
        else:
            seen[key] = row.line


def entries_import_rows(
    *, actor: User, school: School, kind: RecordKind, rows: Sequence[Row], source: str
) -> tuple[int, int]:
    """Write checked rows at once (the caller's transaction, all or nothing): a record already on
    file with the same identity is updated (its history keeps the old values), the others are
    inserted; one audit event per record. Returns (added, updated). Set-based: the existing
    records are read in one query per chunk, the new ones inserted in one statement."""
    assert transaction.get_connection().in_atomic_block, (
        "entries_import_rows runs in the caller's transaction"
    )
    require_role(actor, WRITE_STUDENTS, school=school)
    student_ids = sorted({row.student.pk for row in rows if row.student is not None})
    existing: dict[tuple[int, str], ArchiveEntry] = {}
    for chunk in bulk_insert.id_chunks(student_ids):
        for entry in ArchiveEntry.objects.select_for_update().filter(
            student_id__in=chunk, kind=kind.key, removed=False
        ):
            existing[(entry.student_id, entry.identity)] = entry
    added: list[ArchiveEntry] = []
    changed: list[ArchiveEntry] = []
    now = timezone.now()
    events = []
    for row in rows:
        assert row.student is not None and not row.reasons  # checked by the caller
        identity = kind.identity_of(row.data)[:300]
        found = existing.get((row.student.pk, identity))
        if found is None:
            entry = ArchiveEntry(  # ids, not objects: a descriptor per field per row costs
                student_id=row.student.pk,
                school_id=school.pk,
                kind=kind.key,
                period=kind.period(row.data),
                identity=identity,
                data=row.data,
                created_by_id=actor.pk,
            )
            added.append(entry)
            events.append(
                {
                    "action": actions.ARCHIVE_ENTRY_ADD,
                    "subject": row.student,
                    "changes": {kind.key: [None, _shown(kind, row.data)]},
                    "rules": ["R7.2"],
                    "note": source,
                }
            )
        elif found.data != row.data:
            events.append(
                {
                    "action": actions.ARCHIVE_ENTRY_UPDATE,
                    "subject": row.student,
                    "changes": {kind.key: [_shown(kind, found.data), _shown(kind, row.data)]},
                    "rules": ["R7.2"],
                    "note": source,
                }
            )
            found.data, found.updated_at = row.data, now
            changed.append(found)
    bulk_insert.insert(ArchiveEntry, added)
    bulk_insert.insert_history(ArchiveEntry, added, user=actor)
    if changed:
        ArchiveEntry.objects.bulk_update(changed, ["data", "updated_at"])
        bulk_insert.history_of_rows(ArchiveEntry, [e.pk for e in changed], user=actor, reason=source)
    audit_record_many(actor=actor, school=school, events=events)
    return len(added), len(changed)
