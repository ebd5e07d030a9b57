"""Reads of the archive's categories (三)–(六): a student's records (scoped as the record itself),
one record, each category's completeness against what the district requires, and the part of a
snapshot or a card these categories contribute."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from xueji.archive.kinds import CATEGORIES, KINDS, PAPER_KINDS, RecordKind, of_category
from xueji.archive.models import ArchiveEntry, PaperItem
from xueji.core import bulk_insert, clock
from xueji.core.calendar import WorkingCalendar
from xueji.org.models import Role
from xueji.org.policy import Limit
from xueji.students import selectors as student_selectors
from xueji.students.models import ArchiveSnapshot, Student

# R7.2: what a complete archive holds in categories (三)–(六), set by the district: for each
# kind, 1 = at least one record (the semester check reads it), 0 = optional.
NEEDS = {
    kind.key: Limit(
        f"archive.needs.{kind.key}",
        f"完整档案须有「{kind.label}」记录",
        "（1 须有，0 不要求）",
        "R7.2",
        kind.needed,
        0,
        1,
    )
    for kind in KINDS.values()
}


def entries(*, requested_by: Any, student: Student) -> QuerySet[ArchiveEntry]:
    """The student's live records, for whoever may read the student (404 otherwise)."""
    student_selectors.student_get(requested_by=requested_by, pk=student.pk)
    return (
        ArchiveEntry.objects.filter(student=student, removed=False)
        .select_related("evidence", "school")
        .order_by("kind", "-period", "-pk")
    )


def entry_get(*, requested_by: Any, pk: Any) -> ArchiveEntry:
    try:
        entry = ArchiveEntry.objects.select_related("student").get(pk=int(pk))
    except (ArchiveEntry.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    student_selectors.student_get(requested_by=requested_by, pk=entry.student_id)  # 404 outside scope
    return entry


@dataclass(frozen=True)
class KindRecords:
    kind: RecordKind
    records: list[ArchiveEntry]
    needed: bool


@dataclass(frozen=True)
class Category:
    number: int
    title: str
    kinds: list[KindRecords]

    @property
    def missing(self) -> list[str]:
        return [k.kind.label for k in self.kinds if k.needed and not k.records]

    @property
    def complete(self) -> bool:
        return not self.missing


def categories(records: Iterable[ArchiveEntry], district: Any) -> list[Category]:
    """Categories (三)–(六) with their records by kind and what the district requires of each."""
    by_kind: dict[str, list[ArchiveEntry]] = {}
    for entry in records:
        by_kind.setdefault(entry.kind, []).append(entry)
    return [
        Category(
            number,
            title,
            [
                KindRecords(k, by_kind.get(k.key, []), NEEDS[k.key].value(district) == 1)
                for k in of_category(number)
            ],
        )
        for number, title in CATEGORIES.items()
    ]


def snapshot_part(student_ids: list[int]) -> dict[int, dict[str, Any]]:
    """R8.1: categories (三)–(六) as the snapshot keeps them (one query per chunk of students):
    each record's kind, period, values and whether it is shown masked."""
    found: dict[int, dict[str, Any]] = {pk: {"records": []} for pk in student_ids}
    for chunk in bulk_insert.id_chunks(student_ids):
        rows = ArchiveEntry.objects.filter(student_id__in=chunk, removed=False).order_by(
            "kind", "period", "pk"
        )
        for entry in rows:
            kind = KINDS[entry.kind]
            found[entry.student_id]["records"].append(
                {
                    "category": kind.category,
                    "kind": kind.label,
                    "period": entry.period,
                    "summary": kind.summary(entry.data),
                    "masked": kind.masked,
                }
            )
    return found


# --------------------------------------------------------------------------- the paper archive (R7.3)

PAPER_NEEDS = {
    kind.key: Limit(
        f"paper.needs.{kind.key}",
        f"纸质档案须有「{kind.label}」",
        "（1 须有，0 不要求）",
        "R7.3",
        kind.needed,
        0,
        1,
    )
    for kind in PAPER_KINDS.values()
}


def paper_items(*, requested_by: Any, student: Student) -> list[PaperItem]:
    """The paper items kept for the student that the user may read: a school's staff those of their
    school, the district's officers every school's of the district."""
    student_selectors.student_get(requested_by=requested_by, pk=student.pk)
    rows = PaperItem.objects.filter(student=student, removed=False).select_related("school")
    if requested_by.is_school_user:
        rows = rows.filter(school_id=requested_by.school_id)
    return list(rows.order_by("item", "pk"))


@dataclass(frozen=True)
class LedgerRow:
    enrollment: Any
    held: dict[str, PaperItem]
    missing: list[str]


def paper_ledger(*, requested_by: Any, school: Any, school_class: Any = None) -> list[LedgerRow]:
    """R7.3: each current student of the school (or one class) with the paper items held and the
    required ones missing, in two queries. A school's staff read their own school; the district
    its schools (the class list's scope)."""
    if requested_by.is_school_user and requested_by.school_id != school.pk:
        raise Http404
    current = student_selectors.enrollment_search(requested_by=requested_by, school=school)
    if school_class is not None:
        current = current.filter(school_class=school_class)
    enrollments = list(
        current.order_by("grade", "school_class__number", "class_seat_number", "student__name")
    )
    held: dict[int, dict[str, PaperItem]] = {e.student_id: {} for e in enrollments}
    ids = list(held)
    for chunk in bulk_insert.id_chunks(ids):
        for row in PaperItem.objects.filter(student_id__in=chunk, school=school, removed=False):
            held[row.student_id][row.item] = row
    needed = [k for k in PAPER_KINDS.values() if PAPER_NEEDS[k.key].value(school.district) == 1]
    return [
        LedgerRow(e, held[e.student_id], [k.label for k in needed if k.key not in held[e.student_id]])
        for e in enrollments
    ]


# --------------------------------------------------------------------------- hand-over receipts (R8.1)

RECEIPT_DAYS = Limit("archive.receipt_days", "接收学校确认收到纸质档案的时限", "个工作日", "R8.1", 10, 1, 60)


@dataclass(frozen=True)
class Pending:
    snapshot: ArchiveSnapshot
    incoming: bool  # the user's school receives it (else it sent it)
    due: dt.date
    late: bool


def receipts_pending(*, requested_by: Any, today: dt.date | None = None) -> list[Pending]:
    """Hand-overs to a school here whose paper archive has not been confirmed: for a school's staff
    those it receives and those it sent, for the district's officers its schools' — each with its
    due day (the district's working days from the hand-over) and whether it is late. One query
    and one calendar load."""
    today = today or clock.today()
    user = requested_by
    rows = ArchiveSnapshot.objects.filter(
        kind=ArchiveSnapshot.Kind.HANDOVER, to_school__isnull=False, receipt__isnull=True
    ).select_related("student", "school", "to_school__district")
    if user.is_school_user and user.has_role(Role.REGISTRAR, Role.SCHOOL_APPROVER):
        rows = rows.filter(Q(to_school_id=user.school_id) | Q(school_id=user.school_id))
    elif not user.is_school_user and user.has_role(Role.DISTRICT_OFFICER):
        prefix = user.jurisdiction.scope_prefix
        rows = rows.filter(
            Q(to_school__district__code__startswith=prefix) | Q(school__district__code__startswith=prefix)
        )
    else:
        return []
    found = list(rows.order_by("taken_on", "pk")[:500])
    if not found:
        return []
    # Counted in the receiving school's district (the first row's: a school's list holds its own
    # district's hand-overs but for the few it sent elsewhere).
    district = found[0].to_school.district if found[0].to_school else None
    days = RECEIPT_DAYS.value(district)
    calendar = WorkingCalendar(district=district)
    calendar.load_for([s.taken_on for s in found], days)  # one query for every due day below
    out = []
    for snap in found:
        due = calendar.add_working_days(snap.taken_on, days).date
        out.append(Pending(snap, snap.to_school_id == getattr(user, "school_id", None), due, due < today))
    return out
