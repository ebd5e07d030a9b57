"""The paper archive's ledger (R7.3): which paper items of categories (一), (二), (三), (五) the
school keeps for each student, where (cabinet, box, folder) and who keeps them — one student at a
time, or a whole class at once (set-based: the class's cabinet and box, each student's folder by
seat number when none is given). One audit event per student; moves keep their history."""

from __future__ import annotations

from django.db import transaction

from xueji.archive.kinds import PAPER_KINDS
from xueji.archive.models import PaperItem
from xueji.audit import actions
from xueji.audit.services import audit_record, audit_record_many
from xueji.core import bulk_insert
from xueji.core.errors import RuleViolation, RuleViolations
from xueji.org.models import SchoolClass, User
from xueji.org.permissions import WRITE_STUDENTS, require_role
from xueji.students.models import Enrollment, Student


def _place(item: str, cabinet: str, box: str, folder: str, keeper: str) -> dict[str, str]:
    values = {
        "cabinet": cabinet.strip(),
        "box": box.strip(),
        "folder": folder.strip(),
        "keeper": keeper.strip(),
    }
    errors = []
    if item not in PAPER_KINDS:
        errors.append(RuleViolation(rule="R7.3", code="bad_item", field="item", message="请选择纸质材料。"))
    for key, label in (("cabinet", "档案柜"), ("keeper", "保管人")):
        if not values[key]:
            errors.append(
                RuleViolation(rule="R7.3", code="required", field=key, message=f"请填写「{label}」。")
            )
    for key in values:
        if len(values[key]) > 30:
            errors.append(RuleViolation(rule="R7.3", code="too_long", field=key, message="不能超过 30 字。"))
    if errors:
        raise RuleViolations(errors)
    return values


@transaction.atomic
def paper_item_record(
    *, actor: User, student: Student, item: str, cabinet: str, box: str = "", folder: str = "", keeper: str
) -> PaperItem:
    """Record (or move) one paper item of a student of the actor's school."""
    enrollment = student.enrollments.select_related("school").get(is_current=True)
    require_role(actor, WRITE_STUDENTS, school=enrollment.school)
    values = _place(item, cabinet, box, folder, keeper)
    row = (
        PaperItem.objects.select_for_update()
        .filter(student=student, school=enrollment.school, item=item, removed=False)
        .first()
    )
    old = row.place if row else None
    if row is None:
        row = PaperItem(student=student, school=enrollment.school, item=item, recorded_by=actor)
    for key, value in values.items():
        setattr(row, key, value)
    row.recorded_by = actor
    row._history_user = actor  # type: ignore[attr-defined]
    row.save()
    audit_record(
        actor=actor,
        action=actions.PAPER_ITEM_RECORD,
        subject=student,
        school=enrollment.school,
        changes={item: [old, row.place]},
        rules=["R7.3"],
        note=f"保管人：{row.keeper}",
    )
    return row


@transaction.atomic
def paper_items_record_class(
    *, actor: User, school_class: SchoolClass, item: str, cabinet: str, box: str = "", keeper: str
) -> int:
    """The same item for every current student of a class who has none on file yet, in the
    class's cabinet and box, each in the folder of the student's seat number (or name)."""
    require_role(actor, WRITE_STUDENTS, school=school_class.school)
    values = _place(item, cabinet, box, "", keeper)
    enrollments = list(
        Enrollment.objects.filter(school_class=school_class, is_current=True)
        .select_related("student")
        .order_by("pk")
    )
    have = (
        set(
            PaperItem.objects.filter(
                student_id__in=[e.student_id for e in enrollments],
                school=school_class.school,
                item=item,
                removed=False,
            ).values_list("student_id", flat=True)
        )
        if enrollments
        else set()
    )
    rows = [
        PaperItem(
            student_id=e.student_id,
            school=school_class.school,
            item=item,
            cabinet=values["cabinet"],
            box=values["box"],
            folder=(e.class_seat_number or e.student.name)[:30],
            keeper=values["keeper"],
            recorded_by=actor,
        )
        for e in enrollments
        if e.student_id not in have
    ]
    bulk_insert.insert(PaperItem, rows)
    bulk_insert.insert_history(PaperItem, rows, user=actor)
    audit_record_many(
        actor=actor,
        school=school_class.school,
        events=[
            {
                "action": actions.PAPER_ITEM_RECORD,
                "subject": r.student,
                "changes": {item: [None, r.place]},
                "rules": ["R7.3"],
                "note": f"按班登记（{school_class.name}）",
            }
            for r in rows
        ],
    )
    return len(rows)


@transaction.atomic
def paper_item_remove(*, actor: User, row: PaperItem, reason: str) -> PaperItem:
    """The item is no longer kept here (sent with the record, returned): marked, with the reason."""
    row = PaperItem.objects.select_for_update().select_related("student").get(pk=row.pk)
    require_role(actor, WRITE_STUDENTS, school=row.school)
    if not reason.strip():
        raise RuleViolation(rule="R7.3", code="reason_required", field="reason", message="请写明原因。")
    row.removed = True
    row._history_user = actor  # type: ignore[attr-defined]
    row.save()
    audit_record(
        actor=actor,
        action=actions.PAPER_ITEM_RECORD,
        subject=row.student,
        school=row.school,
        changes={row.item: [row.place, None]},
        rules=["R7.3"],
        note=reason.strip()[:200],
    )
    return row
