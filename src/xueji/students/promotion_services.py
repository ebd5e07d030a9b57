"""The school year's promotion and graduation (R14.2, R14.1): writes.

Once a school year's last semester has ended, the school's registrar checks the preview and submits
the promotion; the school approver confirms it (and so runs it) or sends it back. Run, every 在读
student moves up one grade into next year's class of the same number (未分班 where there is none),
the school's last grade graduates (毕业), an approved repeat year keeps the student in the grade,
and 休学, 出国（境）, 辍学 and 下落不明 students stay where they are. One transaction per school,
through the status writer's set-based entry point: a history row per student and one audit event
for the school. A promotion that is done is never run again.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from xueji.audit import actions
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.org.models import Role, School, SchoolClass, User
from xueji.org.permissions import WRITE_STUDENTS, require_role
from xueji.students import selectors, status
from xueji.students.models import Promotion

CONFIRM_PROMOTION = (Role.SCHOOL_APPROVER,)


def _refuse(code: str, message: str, field: str | None = None) -> RuleViolation:
    return RuleViolation(rule="R14.2", code=code, field=field, message=message)


def _standing(actor: User, school: School) -> selectors.PromotionStatus:
    return selectors.promotion_statuses(requested_by=actor, schools=[school])[0]


def _planned(actor: User, school: School, year: Any) -> dict[str, Any]:
    """The preview's totals: who moves up, who graduates, who stays in the grade and why, and who
    already belongs to next year (``ahead``: not held back, only not part of this promotion)."""
    rows = selectors.promotion_preview(requested_by=actor, school=school, year=year)
    staying: dict[str, int] = {}
    for row in rows:
        for reason, n in row.staying.items():
            staying[reason] = staying.get(reason, 0) + n
    ahead = staying.pop(selectors.PLACED_AHEAD, 0)
    return {
        "moved": sum(r.moving for r in rows if not r.last),
        "graduated": sum(r.moving for r in rows if r.last),
        "staying": staying,
        "ahead": ahead,
    }


@transaction.atomic
def promotion_submit(*, actor: User, school: School) -> Promotion:
    """The registrar submits the school's promotion out of the school year that has ended."""
    require_role(actor, WRITE_STUDENTS, school=school)
    School.objects.select_for_update().get(pk=school.pk)  # one submission at a time per school
    standing = _standing(actor, school)
    if standing.refusal:
        raise _refuse("not_now", standing.refusal)
    assert standing.year is not None
    try:
        with transaction.atomic():
            promotion = Promotion.objects.create(
                school=school,
                school_year=standing.year,
                planned=_planned(actor, school, standing.year),
                submitted_by=actor,
            )
    except IntegrityError as exc:  # submitted from two pages at once
        raise _refuse("not_now", f"本校{standing.year}升级已提交。") from exc
    audit_record(
        actor=actor,
        action=actions.PROMOTION_SUBMIT,
        subject=promotion,
        school=school,
        changes={"state": [None, promotion.state], "planned": [None, promotion.planned]},
        rules=["R14.2"],
        note=str(standing.year),
    )
    return promotion


def _locked(promotion: Promotion) -> Promotion:
    return (
        Promotion.objects.select_for_update()
        .select_related("school__district", "school_year")
        .get(pk=promotion.pk)
    )


@transaction.atomic
def promotion_return(*, actor: User, promotion: Promotion, comment: str) -> Promotion:
    """The school approver sends the submission back to the registrar, saying why."""
    promotion = _locked(promotion)
    require_role(actor, CONFIRM_PROMOTION, school=promotion.school)
    if promotion.state != Promotion.State.SUBMITTED:
        raise _refuse("not_submitted", f"该升级申请{promotion.get_state_display()}，不能退回。")
    comment = comment.strip()
    if not comment:
        raise _refuse("comment_required", "请填写退回原因，告诉学籍管理员需要核对什么。", "comment")
    if len(comment) > 300:
        raise _refuse("comment_too_long", f"退回原因不能超过 300 字（现为 {len(comment)} 字）。", "comment")
    promotion.state, promotion.comment = Promotion.State.RETURNED, comment
    promotion.decided_by, promotion.decided_at = actor, clock.now()
    promotion.save(update_fields=["state", "comment", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=actions.PROMOTION_RETURN,
        subject=promotion,
        school=promotion.school,
        changes={"state": [Promotion.State.SUBMITTED, promotion.state]},
        rules=["R14.2"],
        note=comment,
    )
    return promotion


@transaction.atomic
def promotion_confirm(*, actor: User, promotion: Promotion) -> Promotion:
    """The school approver confirms the submission, and the promotion runs: one transaction for
    the school. Confirming a promotion that is done changes nothing."""
    promotion = _locked(promotion)
    require_role(actor, CONFIRM_PROMOTION, school=promotion.school)
    if promotion.state == Promotion.State.DONE:
        return promotion
    if promotion.state != Promotion.State.SUBMITTED:
        raise _refuse("not_submitted", "该升级申请已退回，请学籍管理员核对后重新提交。")
    school, year = promotion.school, promotion.school_year
    next_year = type(year).objects.filter(start_year=year.start_year + 1).first()
    if next_year is None:  # the district removed it after the submission
        raise _refuse(
            "no_next_year",
            f"区教育局尚未设置{year.start_year + 1}—{year.start_year + 2}学年，请联系区系统管理员。",
        )
    next_classes = _next_classes(school, year, next_year)
    planned = _planned(actor, school, year)
    result: dict[str, Any] = status.enrollments_promote(
        actor=actor, movers=selectors.promotion_movers(school, year), school=school, next_classes=next_classes
    )
    result["staying"], result["ahead"] = planned["staying"], planned["ahead"]
    promotion.state, promotion.result = Promotion.State.DONE, result
    promotion.decided_by, promotion.decided_at = actor, clock.now()
    promotion.save(update_fields=["state", "result", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=actions.PROMOTION_RUN,
        subject=promotion,
        school=school,
        changes={"state": [Promotion.State.SUBMITTED, promotion.state], "result": [None, result]},
        rules=["R14.2", "R14.1"],
        note=f"{year} → {next_year}",
    )
    return promotion


def _next_classes(school: School, year: Any, next_year: Any) -> dict[int, int]:
    """Each class of the school in ``year`` (or before) → next year's class one grade up with the
    same number, where the school has made one."""
    ahead = {
        (c.grade, c.number): c.pk for c in SchoolClass.objects.filter(school=school, school_year=next_year)
    }
    now = SchoolClass.objects.filter(school=school, school_year=year).only("pk", "grade", "number")
    return {c.pk: ahead[c.grade + 1, c.number] for c in now if (c.grade + 1, c.number) in ahead}
