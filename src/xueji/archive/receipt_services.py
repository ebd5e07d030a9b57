"""The paper archive's arrival (R8.1): the receiving school's registrar confirms that the paper
archive of a record handed over to it arrived — the day, the items, a note — once; audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction

from xueji.archive.kinds import PAPER_KINDS
from xueji.archive.models import ArchiveReceipt
from xueji.audit import actions
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import Conflict, RuleViolation, RuleViolations
from xueji.org.models import User
from xueji.org.permissions import WRITE_STUDENTS, require_role
from xueji.students.models import ArchiveSnapshot


@transaction.atomic
def receipt_confirm(
    *,
    actor: User,
    snapshot: ArchiveSnapshot,
    received_on: dt.date | None,
    items: Sequence[str],
    note: str = "",
) -> ArchiveReceipt:
    if snapshot.to_school is None or snapshot.kind != ArchiveSnapshot.Kind.HANDOVER:
        raise RuleViolation(
            rule="R8.1", code="not_handed_over", message="该档案没有移交给本系统内的学校，无需确认接收。"
        )
    require_role(actor, WRITE_STUDENTS, school=snapshot.to_school)
    errors = []
    if received_on is None:
        errors.append(
            RuleViolation(rule="R8.1", code="required", field="received_on", message="请填写接收日期。")
        )
    elif received_on > clock.today() or received_on < snapshot.taken_on:
        errors.append(
            RuleViolation(
                rule="R8.1",
                code="bad_date",
                field="received_on",
                message=f"接收日期应在移交日期（{snapshot.taken_on:%Y-%m-%d}）和今天之间。",
            )
        )
    labels = [PAPER_KINDS[key].label for key in items if key in PAPER_KINDS]
    if not labels:
        errors.append(
            RuleViolation(rule="R8.1", code="required", field="items", message="请勾选收到的纸质材料。")
        )
    if errors:
        raise RuleViolations(errors)
    assert received_on is not None  # refused above otherwise
    try:
        with transaction.atomic():
            receipt = ArchiveReceipt.objects.create(
                snapshot=snapshot,
                received_on=received_on,
                items=labels,
                note=note.strip()[:200],
                received_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(rule="R8.1", code="confirmed", message="该档案已确认接收。") from exc
    audit_record(
        actor=actor,
        action=actions.ARCHIVE_RECEIPT,
        subject=snapshot.student,
        school=snapshot.to_school,
        changes={"received": [None, f"{received_on:%Y-%m-%d} {'、'.join(labels)}"]},
        rules=["R8.1"],
        note=snapshot.reference,
    )
    return receipt
