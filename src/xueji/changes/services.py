"""The status-change engine's verbs: each is one service with an actor, one transaction and one
audit event. Kinds (changes/kinds/) declare the steps; the engine walks them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from xueji.audit import actions
from xueji.audit.services import audit_record, audit_record_many
from xueji.changes.kinds.base import TURN, EvidenceContext, Kind, Party, Step
from xueji.changes.kinds.registry import kind_of
from xueji.changes.models import Case, CaseDocument, CaseEvent
from xueji.core import clock, evidence
from xueji.core.calendar import WorkingCalendar, add_working_days
from xueji.core.errors import Conflict, RuleViolation, RuleViolations
from xueji.org.models import Jurisdiction, School, User
from xueji.org.policy import Limit
from xueji.students import handover
from xueji.students.models import Enrollment, Student

MSG_OPEN_CASE = "该学生已有正在办理的学籍变动（{number}），须办结或撤回后才能发起新的变动。"


# --------------------------------------------------------------------------- steps and owners


def owner_of(case: Case, step: Step) -> tuple[School | None, Jurisdiction | None]:
    """The school or bureau whose turn a step is."""
    if step.party == Party.SCHOOL:
        return case.school, None
    if step.party == Party.OTHER_SCHOOL:
        return case.other_school, None
    if step.party == Party.OTHER_BUREAU and case.other_school is not None:
        return None, case.other_school.district
    if step.party == Party.EXTERNAL and step.recorder == Party.SCHOOL:
        return case.school, None  # the starting school records the outside party's answer
    # The starting school's bureau acts for itself and records an external party's decision.
    return None, case.school.district


def may_act(actor: Any, case: Case, step: Step) -> bool:
    if actor is None or not actor.is_authenticated or not actor.has_role(*step.roles):
        return False
    school, bureau = owner_of(case, step)
    if school is not None:
        return actor.school_id == school.pk
    return (
        bool(actor.jurisdiction_id)
        and bureau is not None
        and bureau.code.startswith(actor.jurisdiction.scope_prefix)
    )


def step_days(step: Step, district: Jurisdiction | None) -> int | None:
    """The working days a step's party has, as the district's policy says (org.policy)."""
    return step.days.value(district) if step.days is not None else None


def _due(
    step: Step, start: dt.date, bureau_or_district: Jurisdiction | None
) -> tuple[dt.date | None, bool, str]:
    if step.due is not None:
        return step.due(start, bureau_or_district)
    days = step_days(step, bureau_or_district)
    if days is None:
        return None, False, ""
    result = add_working_days(start, days, district=bureau_or_district)
    return result.date, result.provisional, result.warning


def clock_start(case: Case, step: Step) -> dt.date:
    """Where the step's clock starts: today (its party's turn begins) or the date a fact names
    (R13.2, R15.1: the day the school learned of it, whenever the report is filed)."""
    if step.anchor == TURN:
        return clock.today()
    value = case.facts.get(step.anchor)
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return clock.today()


def _enter(case: Case, step: Step) -> str:
    """Make ``step`` the current one and start its clock; a step that starts the case's own clock
    (R10.7) starts that too."""
    start = clock_start(case, step)
    school, bureau = owner_of(case, step)
    district = school.district if school is not None else bureau
    due, provisional, warning = _due(step, start, district)
    case.step_key = step.key
    case.owner_school, case.owner_jurisdiction = school, bureau
    case.step_started_on, case.step_due, case.due_provisional = start, due, provisional
    case.is_overdue = False
    kind = kind_of(case.kind)
    if step.starts_case_clock and kind.case_days is not None:
        today = clock.today()
        whole = add_working_days(
            today, kind.case_days.value(case.school.district), district=case.school.district
        )
        case.case_started_on, case.case_due, case.case_overdue = today, whole.date, False
    return warning


def _event(case: Case, actor: User | None, action: str, comment: str = "") -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, actor=actor, step_key=case.step_key, action=action, comment=comment
    )


def lock(case: Case) -> Case:
    """The case again, locked for the calling service's transaction."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("school__district", "other_school__district", "student")
        .get(pk=case.pk)
    )


def _require_turn(actor: Any, case: Case) -> Step:
    kind = kind_of(case.kind)
    step = kind.step(case, case.step_key)
    if not may_act(actor, case, step):
        raise PermissionDenied(f"当前环节为「{step.label}」，不是您的办理环节。")
    return step


def evidence_context(case: Case) -> EvidenceContext:
    """What a step's evidence rule sees: the facts, the school's level and the student's grade."""
    grade = case.facts.get("grade")
    if grade is None and case.student_id:
        grade = (
            Enrollment.objects.filter(student_id=case.student_id, is_current=True)
            .values_list("grade", flat=True)
            .first()
        )
    return EvidenceContext(facts=case.facts, school=case.school, grade=grade)


def _missing_evidence(case: Case, step: Step) -> dict[str, str]:
    required = dict(step.evidence(evidence_context(case)))
    if not required:
        return {}
    have = set(case.documents.values_list("category", flat=True))
    return {code: label for code, label in required.items() if code not in have}


def missing_evidence(case: Case) -> dict[str, str]:
    """What the current step still needs before it can pass (shown on the case page)."""
    if not case.step_key:
        return {}
    return _missing_evidence(case, kind_of(case.kind).step(case, case.step_key))


def _check_evidence(case: Case, step: Step) -> None:
    missing = _missing_evidence(case, step)
    if missing:
        raise RuleViolation(
            rule=(kind_of(case.kind).rules or ("R17.1",))[0],
            code="evidence_missing",
            field="documents",
            message=f"还缺少佐证材料：{'、'.join(missing.values())}。请上传扫描件或照片后再提交。",
        )


def _audit(case: Case, actor: User | None, action: str, old: Mapping[str, Any], note: str = "") -> None:
    audit_record(
        actor=actor,
        action=actions.case_action(case.kind, action),
        subject=case,
        school=case.school,
        changes={k: [v, getattr(case, k)] for k, v in old.items() if v != getattr(case, k)},
        rules=kind_of(case.kind).rules,
        note=note,
    )


def _snapshot(case: Case) -> dict[str, Any]:
    return {"state": case.state, "step_key": case.step_key, "step_due": case.step_due}


# --------------------------------------------------------------------------- verbs


def case_open(
    *,
    actor: User,
    kind: str,
    school: School,
    student: Student | None,
    other_school: School | None,
    facts: Mapping[str, Any],
) -> Case:
    """Create a case at its first step (the starting school prepares it). Called by a kind's start
    service inside its transaction, after the kind's own rules passed. A kind that supersedes
    (R17.2: death, missing, dropout) first withdraws the student's other open case."""
    declared = kind_of(kind)
    if declared.supersedes and student is not None:
        _supersede_open_cases(actor=actor, student=student, by=declared)
    case = Case(
        kind=kind,
        number=f"tmp-{uuid.uuid4().hex[:16]}",
        student=student,
        school=school,
        other_school=other_school,
        facts=dict(facts),
        exclusive=declared.status_changing,
        started_by=actor,
    )
    warning = _enter(case, declared.steps(case)[0])
    try:
        with transaction.atomic():  # a savepoint: losing the race leaves the transaction usable
            case.save()
    except IntegrityError as exc:
        raise open_case_conflict(student, declared) from exc
    # The number comes from the row's id, so two cases started at once can never share one.
    case.number = f"{declared.number_prefix}{clock.today().year}{case.pk:05d}"
    case.save(update_fields=["number"])
    _event(case, actor, CaseEvent.Action.START)
    _audit(case, actor, "start", {"state": None, "step_key": None}, note=warning)
    return case


def open_cases(student: Any) -> Any:
    """The student's open status-changing cases (a Student or its id)."""
    # R17.2: only status-changing cases count; an information change may run beside one.
    return Case.objects.filter(student=student, state__in=Case.OPEN_STATES, exclusive=True)


def check_no_open_case(student: Any, *, kind: Kind) -> None:
    """R17.2 (R10.10 for a second transfer): one open status-changing case per student. The
    database holds it too (a partial unique index), for two starts at the same instant."""
    if student is None or not kind.status_changing:
        return
    # A kind that supersedes ends any other open case when it is filed, but not one of its own.
    rows = open_cases(student).filter(kind=kind.key) if kind.supersedes else open_cases(student)
    if rows.exists():
        raise open_case_conflict(student, kind)


def open_case_conflict(student: Any, kind: Kind) -> Conflict:
    open_case = open_cases(student).filter(kind=kind.key).first() or open_cases(student).first()
    same_kind = open_case is not None and open_case.kind == kind.key
    return Conflict(
        rule=kind.open_case_rule if same_kind else "R17.2",
        code="open_case",
        field="student",
        message=MSG_OPEN_CASE.format(number=open_case.number if open_case else "另一处刚发起的"),
    )


def _supersede_open_cases(*, actor: User, student: Student, by: Kind) -> None:
    """R17.2: the student's other open case ends, withdrawn with the reason; its parties see it in
    their timeline and lists."""
    for other in open_cases(student).select_for_update(of=("self",)).select_related("school__district"):
        old = _snapshot(other)
        reason = f"学生已报{by.label}，本事项终止（R17.2）。"
        _event(other, actor, CaseEvent.Action.SUPERSEDE, reason)
        other.state, other.closed_at, other.is_overdue = Case.State.WITHDRAWN, clock.now(), False
        other.save()
        _audit(other, actor, "supersede", old, note=reason)


@transaction.atomic
def case_record_decision(
    *,
    actor: User,
    case: Case,
    facts: Mapping[str, Any],
    comment: str,
    action: str,
    rules: tuple[str, ...],
) -> Case:
    """A kind's own decision on a case (a district exception, a grade decided): the facts it adds,
    a line in the timeline and one audit event. The caller has checked who may decide."""
    case = lock(case)
    before = {key: case.facts.get(key) for key in facts}
    case.facts = {**case.facts, **facts}
    case.save(update_fields=["facts"])
    _event(case, actor, CaseEvent.Action.DECISION, comment)
    audit_record(
        actor=actor,
        action=action,
        subject=case,
        school=case.school,
        changes={key: [before[key], value] for key, value in facts.items()},
        rules=rules,
        note=comment,
    )
    return case


@transaction.atomic
def case_submit(*, actor: User, case: Case, comment: str = "") -> Case:
    """The starting school sends its prepared (or corrected) case on to the next step."""
    case = lock(case)
    if case.state not in (Case.State.DRAFT, Case.State.RETURNED):
        raise RuleViolation(rule="R17.1", code="not_draft", message="该事项已提交，不能重复提交。")
    step = _require_turn(actor, case)
    _check_evidence(case, step)
    kind_of(case.kind).check_submit(case)
    old = _snapshot(case)
    _event(case, actor, CaseEvent.Action.SUBMIT, comment)
    case.state = Case.State.OPEN
    warning = _advance(case, actor)
    case.save()
    _audit(case, actor, "submit", old, note=warning)
    return case


@transaction.atomic
def case_approve(
    *, actor: User, case: Case, comment: str = "", decision: Mapping[str, Any] | None = None
) -> Case:
    """The party whose turn it is agrees; the case moves on (the last step completes it). A step
    that decides facts (``Step.decides``: a district's grade decision) takes them in ``decision``;
    the remaining steps may change with them (branching)."""
    case = lock(case)
    if case.state != Case.State.OPEN:
        raise RuleViolation(rule="R17.1", code="not_open", message="该事项不在办理中，不能审核。")
    step = _require_turn(actor, case)
    _check_evidence(case, step)
    old = _snapshot(case)
    if step.decides:
        kind = kind_of(case.kind)
        decided, errors = kind.facts.clean(dict(decision or {}), only=step.decides)
        missing = [kind.facts.get(key) for key in step.decides if decided.get(key) in (None, "")]
        errors += [
            RuleViolation(rule=fact.rule, code="decision_required", field=fact.key, message=fact.ask())
            for fact in missing
            if not any(e.field == fact.key for e in errors)
        ]
        if not errors:
            errors = kind.check_decision(case, decided)
        if errors:
            raise RuleViolations(errors)
        case.facts = {**case.facts, **decided}
        comment = "；".join(
            filter(None, [comment, *(f"{label}：{value}" for label, value in kind.facts.rows(decided))])
        )
    _event(case, actor, CaseEvent.Action.APPROVE, comment)
    warning = _advance(case, actor)
    case.save()
    _audit(case, actor, "approve", old, note=warning)
    return case


def _advance(case: Case, actor: User) -> str:
    kind = kind_of(case.kind)
    steps = kind.steps(case)
    index = [s.key for s in steps].index(case.step_key)
    if index + 1 < len(steps):
        return _enter(case, steps[index + 1])
    kind.on_complete(case, actor)
    _file_documents(case, actor, kind)
    case.state = Case.State.COMPLETED
    case.step_key, case.owner_school, case.owner_jurisdiction = "", None, None
    case.step_due, case.is_overdue, case.closed_at = None, False, clock.now()
    _event(case, actor, CaseEvent.Action.COMPLETE)
    return ""


def _file_documents(case: Case, actor: User, kind: Kind) -> None:
    """R17.1: every document of a completed case joins the student's evidence (category 二)."""
    if case.student_id is None:
        return
    files = [
        handover.CaseFile(
            label=kind.document_label(d.category),
            original_name=d.original_name,
            content_type=d.content_type,
            size=d.size,
            sha256=d.sha256,
            storage_name=d.storage_name,
            uploaded_by_id=d.uploaded_by_id,
        )
        for d in case.documents.all()
    ]
    assert case.student is not None  # student_id is set (above)
    handover.archive_file_documents(
        actor=actor,
        student=case.student,
        school=case.school,
        reference=case.number,
        what=kind.label,
        files=files,
    )


@transaction.atomic
def case_reject(*, actor: User, case: Case, reason: str) -> Case:
    case = lock(case)
    if case.state != Case.State.OPEN:
        raise RuleViolation(rule="R17.1", code="not_open", message="该事项不在办理中，不能审核。")
    step = _require_turn(actor, case)
    if not step.may_reject:
        raise RuleViolation(
            rule="R17.1",
            code="not_rejectable",
            message=f"「{step.label}」只登记办理情况，不能作不同意处理；有误的请退回修改。",
        )
    if not reason.strip():
        raise RuleViolation(
            rule="R17.1",
            code="reason_required",
            field="comment",
            message="不同意时请填写理由，以便学校告知监护人。",
        )
    old = _snapshot(case)
    _event(case, actor, CaseEvent.Action.REJECT, reason.strip())
    case.state, case.closed_at, case.is_overdue = Case.State.REJECTED, clock.now(), False
    case.save()
    _audit(case, actor, "reject", old, note=reason)
    return case


@transaction.atomic
def case_return(*, actor: User, case: Case, comment: str) -> Case:
    """Send the case back to the starting school to correct it; its clock restarts on resubmission."""
    case = lock(case)
    if case.state != Case.State.OPEN:
        raise RuleViolation(rule="R17.1", code="not_open", message="该事项不在办理中，不能退回。")
    _require_turn(actor, case)
    if not comment.strip():
        raise RuleViolation(
            rule="R17.1",
            code="reason_required",
            field="comment",
            message="退回时请写明需要修改或补充的内容。",
        )
    old = _snapshot(case)
    _event(case, actor, CaseEvent.Action.RETURN, comment.strip())
    _enter(case, kind_of(case.kind).steps(case)[0])
    case.state = Case.State.RETURNED
    case.save()
    _audit(case, actor, "return", old, note=comment)
    return case


@transaction.atomic
def case_withdraw(*, actor: User, case: Case, reason: str) -> Case:
    """Only the starting school withdraws, while the case is still open."""
    case = lock(case)
    if not case.is_open:
        raise RuleViolation(rule="R17.1", code="closed", message="该事项已办结，不能撤回。")
    first = kind_of(case.kind).steps(case)[0]
    if not (actor.has_role(*first.roles) and actor.school_id == case.school_id):
        raise PermissionDenied("只有发起学校的学籍管理员可以撤回。")
    old = _snapshot(case)
    _event(case, actor, CaseEvent.Action.WITHDRAW, reason.strip())
    case.state, case.closed_at, case.is_overdue = Case.State.WITHDRAWN, clock.now(), False
    case.save()
    _audit(case, actor, "withdraw", old, note=reason)
    return case


@transaction.atomic
def case_attach(
    *, actor: User, case: Case, file: IO[bytes], original_name: str, category: str
) -> CaseDocument:
    """Add evidence while it is this party's turn (or the starting school's while it prepares)."""
    case = lock(case)
    if not case.is_open:
        raise RuleViolation(rule="R17.1", code="closed", message="该事项已办结，不能再上传材料。")
    _require_turn(actor, case)
    stored = evidence.store(file)
    document = CaseDocument.objects.create(
        case=case,
        category=category[:30],
        original_name=(original_name or "upload")[-200:],
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_name=stored.storage_name,
        step_key=case.step_key,
        uploaded_by=actor,
    )
    _event(case, actor, CaseEvent.Action.EVIDENCE, f"{category}：{document.original_name}")
    audit_record(
        actor=actor,
        action=actions.case_action(case.kind, "evidence"),
        subject=case,
        school=case.school,
        changes={"document": [None, document.pk], "sha256": [None, stored.sha256]},
        rules=kind_of(case.kind).rules,
    )
    return document


@transaction.atomic
def case_detach(*, actor: User, document: CaseDocument) -> Case:
    """Take back a document added at this turn (a wrong file, to be replaced) while it is still
    this party's turn: once the step is passed, its documents are what the next party decided on.
    The file goes (it holds personal data); the case's record and the log keep what it was."""
    case = lock(document.case)
    if not case.is_open:
        raise RuleViolation(rule="R17.1", code="closed", message="该事项已办结，材料不能再删除。")
    _require_turn(actor, case)
    if document.step_key != case.step_key:
        raise RuleViolation(
            rule="R17.1",
            code="document_passed",
            message="这份材料是在前面的环节提交的，已作为审核依据，不能删除。如需更正，请上传新的材料并在意见中说明。",
        )
    pk, name, sha256, storage = document.pk, document.original_name, document.sha256, document.storage_name
    document.delete()
    _event(case, actor, CaseEvent.Action.DETACH, f"{document.category}：{name}")
    audit_record(
        actor=actor,
        action=actions.case_action(case.kind, "detach"),
        subject=case,
        school=case.school,
        changes={"document": [pk, None], "sha256": [sha256, None]},
        rules=kind_of(case.kind).rules,
    )
    transaction.on_commit(lambda: evidence.path_of(storage).unlink(missing_ok=True))
    return case


def _flag(rows: Any, *, flag: str, action: str, verb: str, comment: Any) -> int:
    """Set ``flag`` on every case of ``rows`` and write one timeline event and one audit event for
    each: set-based, so the daily run costs a constant number of statements."""
    late = list(rows.select_for_update(of=("self",)).select_related("school__district"))
    if not late:
        return 0
    Case.objects.filter(pk__in=[c.pk for c in late]).update(**{flag: True})
    CaseEvent.objects.bulk_create(
        [CaseEvent(case=c, actor=None, step_key=c.step_key, action=action, comment=comment(c)) for c in late]
    )
    audit_record_many(
        actor=None,
        school=None,
        events=[
            {
                "action": actions.case_action(c.kind, verb),
                "subject": c,
                "school": c.school,
                "changes": {flag: [False, True]},
                "rules": kind_of(c.kind).rules,
                "note": comment(c),
            }
            for c in late
        ],
    )
    return len(late)


@transaction.atomic
def cases_flag_overdue(*, today: dt.date | None = None) -> int:
    """Flag the steps whose due date has passed (R10.7: late steps are flagged to both schools and
    the district), drafts with a legal deadline included. Run daily (``xueji daily``); the inboxes
    also compute lateness live. A case is flagged once per step: running twice changes nothing."""
    today = today or clock.today()
    return _flag(
        Case.objects.filter(state__in=Case.OPEN_STATES, is_overdue=False, step_due__lt=today),
        flag="is_overdue",
        action=CaseEvent.Action.OVERDUE,
        verb="overdue",
        comment=lambda c: f"本环节应于 {c.step_due:%Y-%m-%d} 前办结",
    )


@transaction.atomic
def cases_flag_whole_overdue(*, today: dt.date | None = None) -> int:
    """R10.7: the case as a whole past its due date (the online phase), flagged once."""
    today = today or clock.today()
    return _flag(
        Case.objects.filter(state=Case.State.OPEN, case_overdue=False, case_due__lt=today),
        flag="case_overdue",
        action=CaseEvent.Action.CASE_OVERDUE,
        verb="overdue",
        comment=lambda c: f"整个事项应于 {c.case_due:%Y-%m-%d} 前办结（网上办理时限）",
    )


DRAFT_LAPSE_DAYS = Limit("case.draft_lapse_days", "未提交的草稿失效时限", "个工作日", "R17.2", 20, 5, 120)


@transaction.atomic
def cases_lapse_drafts(*, today: dt.date | None = None) -> int:
    """R17.2: a draft with no legal deadline that was not submitted within the limit lapses (its
    clock: working days from the day it was started, in its school's district)."""
    today = today or clock.today()
    # Working days are never fewer than calendar days, so younger drafts cannot have lapsed.
    candidates = list(
        Case.objects.select_for_update(of=("self",))
        .select_related("school__district")
        .filter(
            state=Case.State.DRAFT, step_due__isnull=True, step_started_on__lt=today - dt.timedelta(days=5)
        )
    )
    calendars: dict[int, Any] = {}
    for case in candidates:  # one calendar per district, loaded once for all its drafts
        district = case.school.district
        if district.pk not in calendars:
            calendars[district.pk] = (WorkingCalendar(district=district), DRAFT_LAPSE_DAYS.value(district))
    for pk, (calendar, days) in calendars.items():
        calendar.load_for((c.step_started_on for c in candidates if c.school.district_id == pk), days)
    lapsed = []
    for case in candidates:
        calendar, days = calendars[case.school.district_id]
        if calendar.add_working_days(case.step_started_on, days).date < today:
            lapsed.append(case)
    if not lapsed:
        return 0
    now = clock.now()
    Case.objects.filter(pk__in=[c.pk for c in lapsed]).update(state=Case.State.LAPSED, closed_at=now)
    reason = "草稿超过规定时限未提交，已失效（R17.2）；如仍需办理，请重新发起。"
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(case=c, actor=None, step_key=c.step_key, action=CaseEvent.Action.LAPSE, comment=reason)
            for c in lapsed
        ]
    )
    audit_record_many(
        actor=None,
        school=None,
        events=[
            {
                "action": actions.case_action(c.kind, "lapse"),
                "subject": c,
                "school": c.school,
                "changes": {"state": [Case.State.DRAFT, Case.State.LAPSED]},
                "rules": ["R17.2"],
                "note": reason,
            }
            for c in lapsed
        ],
    )
    return len(lapsed)


@transaction.atomic
def case_record_platform(*, actor: User, case: Case, reference: str, on: dt.date) -> Case:
    """R17.1: the starting school records that the completed change was made on the provincial
    platform too (its reference and date); until then the case is on the school's list."""
    case = lock(case)
    first = kind_of(case.kind).steps(case)[0]
    if not (actor.has_role(*first.roles) and actor.school_id == case.school_id):
        raise PermissionDenied("由发起学校的学籍管理员登记省平台办理情况。")
    if case.state != Case.State.COMPLETED:
        raise RuleViolation(rule="R17.1", code="not_completed", message="事项办结后才能登记省平台办理情况。")
    reference = reference.strip()
    if not reference:
        raise RuleViolation(
            rule="R17.1", code="required", field="platform_ref", message="请填写省平台的办理编号。"
        )
    if on > clock.today() or (case.closed_at and on < case.closed_at.date() - dt.timedelta(days=366)):
        raise RuleViolation(
            rule="R17.1", code="bad_date", field="platform_on", message="省平台办理日期不应晚于今天。"
        )
    old = {"platform_ref": case.platform_ref, "platform_on": case.platform_on}
    case.platform_ref, case.platform_on = reference[:50], on
    case.save(update_fields=["platform_ref", "platform_on"])
    _event(case, actor, CaseEvent.Action.PLATFORM, f"{reference}（{on:%Y-%m-%d}）")
    _audit(case, actor, "platform", old, note=reference)
    return case


def cases_recount_dues(*, first: dt.date, last: dt.date, **_: Any) -> int:
    """Count again the due dates of open steps whose working days changed (a year loaded, a local
    closure): a step started before ``last`` with a due date on or after ``first`` may move, and a
    provisional one stops being provisional once its year is known. Runs in the calendar write's
    transaction (receiver of org.calendar_services.calendar_changed), which the calendar audit covers."""
    affected = (
        Case.objects.select_for_update(of=("self",))
        .select_related(
            "school__district", "other_school__district", "owner_school__district", "owner_jurisdiction"
        )
        .filter(state=Case.State.OPEN, step_due__gte=first, step_started_on__lte=last)
    )
    moved = 0
    for case in affected:
        step = kind_of(case.kind).step(case, case.step_key)
        district = case.owner_school.district if case.owner_school else case.owner_jurisdiction
        assert case.step_started_on is not None  # the filter compares it
        due, provisional, _warning = _due(step, case.step_started_on, district)
        if (due, provisional) != (case.step_due, case.due_provisional):
            case.step_due, case.due_provisional = due, provisional
            case.is_overdue = case.is_overdue and due is not None and due < clock.today()
            case.save(update_fields=["step_due", "due_provisional", "is_overdue"])
            moved += 1
    return moved + _recount_case_clocks(first, last)


def _recount_case_clocks(first: dt.date, last: dt.date) -> int:
    """The same for the case's own clock (R10.7: the whole online phase), counted in the starting
    school's district from the day it started."""
    affected = (
        Case.objects.select_for_update(of=("self",))
        .select_related("school__district")
        .filter(state=Case.State.OPEN, case_due__gte=first, case_started_on__lte=last)
    )
    moved = 0
    for case in affected:
        limit = kind_of(case.kind).case_days
        assert case.case_started_on is not None and limit is not None  # the filter compares it
        district = case.school.district
        due = add_working_days(case.case_started_on, limit.value(district), district=district).date
        if due != case.case_due:
            case.case_due = due
            case.case_overdue = case.case_overdue and due < clock.today()
            case.save(update_fields=["case_due", "case_overdue"])
            moved += 1
    return moved
