"""Every write to a student record. One transaction, rules checked, one audit event per call."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.forms.models import model_to_dict

from xueji.audit import actions
from xueji.audit import selectors as audit_selectors
from xueji.audit.services import access_record, audit_record, audit_record_many
from xueji.core import bulk_insert, clock, evidence, identity
from xueji.core.errors import Conflict, RuleViolation, RuleViolations
from xueji.org import selectors as org_selectors
from xueji.org.models import Role, School, SchoolClass, User
from xueji.org.permissions import DECIDE_ENTRY, WRITE_STUDENTS, require_role
from xueji.org.policy import Limit
from xueji.students import completeness, direct_edits, rules, validation
from xueji.students.models import (
    Enrollment,
    EntryApplication,
    Evidence,
    FamilyMember,
    FollowUp,
    PossibleDuplicate,
    Student,
    XjhAlias,
)

KEY_FIELDS = validation.KEY_FIELDS  # R9.1

MSG_XJH_TAKEN = (
    "学籍号 {number} 已被使用。学籍号一人一号、一经分配不再重复使用（第六条）。"
    "请对照国家学籍系统核对学籍号；确属本人的，请联系区教育局核查。"
)
MSG_BUSY = "该学生的学籍正在另一处同时办理，请稍后查询后再办理。"
MSG_DUPLICATE = (
    "该学生已在{school}建立学籍，不能重复建立（第六条：不得重复建立学籍）。"
    "如学生已到本校就读，请由本校发起转学手续。"
)
# R6.2: with another name than the record's, nothing but that the number is taken (the school that
# holds it is told only to a registrar who has shown knowledge of the child).
MSG_ID_REGISTERED = "该证件号码已在本系统建立学籍，不能重复建立（第六条：不得重复建立学籍）。请核对证件号码。"


# R6.2 without an ID number: the same name, birth date and gender (and guardian) may be the same
# child. Only "possible"; nothing about where.
MSG_POSSIBLE_DUPLICATE = (
    "本系统中已有姓名、出生日期、性别都相同的学生，可能是同一人（第六条：不得重复建立学籍）。"
    "请核对户口簿等材料：如是同一名学生，请走转学；确认不是同一人的，请勾选“确认不是重复学籍”并写明理由后再提交，"
    "确认记入日志并报区教育局。"
)


def likely_duplicates(values: Mapping[str, Any], members: Sequence[Mapping[str, Any]]) -> list[int]:
    """R6.2 for a student without an ID number: the records with the same name, birth date and
    gender — unless both name guardians and no guardian's ID number is shared (then another child)."""
    birth = values.get("birth_date")
    if values.get("id_number") or birth is None:
        return []
    candidates = list(
        Student.objects.filter(
            name=values.get("name") or "",
            birth_date=birth,
            gender=values.get("gender") or "",
        ).values_list("pk", flat=True)[:20]
    )
    given = {m.get("id_number") for m in members if m.get("id_number")}
    if not candidates or not given:
        return candidates
    theirs: dict[int, set[str]] = {}
    for student_id, number in (
        FamilyMember.objects.filter(student_id__in=candidates)
        .exclude(id_number="")
        .values_list("student_id", "id_number")
    ):
        theirs.setdefault(student_id, set()).add(number)
    return [pk for pk in candidates if pk not in theirs or theirs[pk] & given]


def duplicate_refusal(*, given_name: str, holder_name: str, former_name: str, school_name: str) -> Conflict:
    """R6.2's refusal: the holding school named only when the name matches the record's."""
    same = (given_name or "").strip() in {holder_name, former_name} - {""}
    message = MSG_DUPLICATE.format(school=school_name or "本系统中") if same else MSG_ID_REGISTERED
    refusal = Conflict(rule="R6.2", code="duplicate", field="id_number", message=message)
    refusal.named_school = same  # type: ignore[attr-defined]
    return refusal


def logs_duplicate_lookups(service: Any) -> Any:
    """R6.2: every refusal that looked up another record's holder is in the access log, written
    after the refused service's transaction has rolled back (inside a caller's own transaction it
    shares that transaction's fate)."""

    @wraps(service)
    def logged(*args: Any, **kwargs: Any) -> Any:
        try:
            return service(*args, **kwargs)
        except Conflict as refusal:
            holder = getattr(refusal, "holder_id", None)
            if holder is not None:
                access_record(
                    actor=kwargs["actor"],
                    action=actions.STUDENT_DUPLICATE_LOOKUP,
                    subject=Student(pk=holder),
                    school=kwargs["school"],
                    note=getattr(refusal, "lookup_note", "")
                    or "证件号已有学籍，"
                    + (
                        "姓名一致，已告知所在学校"
                        if getattr(refusal, "named_school", False)
                        else "姓名不一致，未告知学校"
                    ),
                )
            raise

    return logged


# R5.1: the record is complete within a month of the entry date (district policy may say otherwise).
RECORD_MONTHS = Limit("record.complete_months", "学籍档案完整时限（自入学之日起）", "个月", "R5.1", 1, 1, 6)

# Attempts at a free J sequence when registrars of one district register same-day births at once.
_XJH_ATTEMPTS = 20


def _policy() -> dict[str, Any]:
    return {
        "entry_age": settings.XUEJI["SCHOOL_ENTRY_AGE"],
        "month_day": tuple(settings.XUEJI["AGE_CUTOFF_MONTH_DAY"]),
    }


# --------------------------------------------------------------------------- registration


@dataclass
class Prepared:
    """A registration or import checked against every rule that reads the row and the district's
    decisions; what is left (duplicates, 学籍号, the class) needs the records themselves."""

    values: dict[str, Any]
    members: list[dict[str, Any]]
    placement: dict[str, Any]
    origin: str
    xjh: str | None
    rule_ids: list[str]
    warnings: list[str]


class RuleContext:
    """The district's facts a registration reads beyond its own values.

    A single registration asks the database each time; a bulk import uses ``CachedRuleContext``,
    which reads each fact once, so both run the very same rule code.
    """

    def autumn_entry_year(self, entry_date: dt.date) -> int:
        """R3.1: the start year of the school year whose autumn semester holds the entry date.

        An autumn semester runs into January, so the age cut-off (R3.2) reads the school year, not
        the calendar year of the entry date.
        """
        school_year = org_selectors.school_year_for(entry_date)
        start_year = school_year.start_year if school_year else entry_date.year
        autumn = org_selectors.autumn_semester(start_year)
        if autumn is not None and entry_date > autumn.end:
            # Between one autumn term's end and the next one's start (a date just before this
            # September): the refusal quotes the term ahead, the one the registrar means.
            coming = org_selectors.autumn_semester(start_year + 1)
            if coming is not None:
                autumn, start_year = coming, start_year + 1
        start, end = (autumn.start, autumn.end) if autumn else (None, None)
        rules.check_autumn_entry(entry_date, start, end, school_year=start_year)
        return start_year

    def entry_approved(self, values: Mapping[str, Any], entry_year: int) -> bool:
        """R3.3: the district approved this child's entry in ``entry_year``."""
        approved = EntryApplication.objects.filter(
            state=EntryApplication.State.APPROVED, entry_year=entry_year, birth_date=values["birth_date"]
        )
        if values.get("id_number"):
            return approved.filter(id_number=values["id_number"]).exists()
        return approved.filter(child_name=values["name"]).exists()


class CachedRuleContext(RuleContext):
    """The same facts, each read once: school years and semesters by date, approvals by child."""

    def __init__(self) -> None:
        self._years: dict[dt.date, int | RuleViolation] = {}
        approved = EntryApplication.objects.filter(state=EntryApplication.State.APPROVED).values_list(
            "entry_year", "birth_date", "id_number", "child_name"
        )
        self._approved_ids = {(y, b, n) for y, b, n, _ in approved}
        self._approved_names = {(y, b, c) for y, b, _, c in approved}

    def autumn_entry_year(self, entry_date: dt.date) -> int:
        if entry_date not in self._years:
            try:
                self._years[entry_date] = super().autumn_entry_year(entry_date)
            except RuleViolation as exc:
                self._years[entry_date] = exc
        found = self._years[entry_date]
        if isinstance(found, RuleViolation):
            raise RuleViolation(rule=found.rule, code=found.code, field=found.field, message=found.message)
        return found

    def entry_approved(self, values: Mapping[str, Any], entry_year: int) -> bool:
        if values.get("id_number"):
            return (entry_year, values["birth_date"], values["id_number"]) in self._approved_ids
        return (entry_year, values["birth_date"], values["name"]) in self._approved_names


def registration_prepare(
    *,
    school: School,
    student: Mapping[str, Any],
    family: Sequence[Mapping[str, Any]],
    enrollment: Mapping[str, Any],
    confirm_region: bool = False,
    today: dt.date,
    context: RuleContext,
) -> Prepared:
    """Chapter 2 for a new student: autumn entry, age cut-off, the district's decisions (R3.1–R3.3)."""
    values, warnings = validation.clean_student(student, today=today, confirm_region=confirm_region)
    members = validation.clean_family(list(family), today=today)
    placement = validation.clean_enrollment(enrollment)
    rule_ids = ["R2.3", "R6.1", "R6.2", "R6.3", "R6.4"]
    _check_school_grade(school, placement["grade"])
    if placement["grade"] not in rules.NEW_ENTRY_GRADES:
        raise RuleViolation(
            rule="R3.1",
            code="new_entry_grade",
            field="grade",
            message=(
                f"新生只能注册到起始年级（一年级或七年级），不能注册到{placement['grade']}年级（第三条）。"
                "其他年级的学生请走转学，或用「导入已有学籍」接续国家学籍系统中的学籍。"
            ),
        )
    entry_year = context.autumn_entry_year(placement["entry_date"])  # R3.1
    rule_ids.append("R3.1")
    if placement["grade"] == 1:
        rules.check_entry_age(values["birth_date"], entry_year, **_policy())  # R3.2
        rule_ids.append("R3.2")
        if rules.should_have_entered_earlier(values["birth_date"], entry_year, **_policy()):
            if not context.entry_approved(values, entry_year):  # R3.3
                raise _entry_decision_missing(values, entry_year)
            rule_ids.append("R3.3")
    check_attendance(values, placement)
    return Prepared(values, members, placement, Enrollment.Origin.NEW, None, rule_ids, warnings)


def existing_prepare(
    *,
    school: School,
    xjh: str,
    student: Mapping[str, Any],
    family: Sequence[Mapping[str, Any]],
    enrollment: Mapping[str, Any],
    confirm_region: bool = False,
    today: dt.date,
) -> Prepared:
    """A record from the national system: keep its 学籍号, grade and entry date.

    The new-entry rules (R3.1–R3.3) describe the first entry, which happened elsewhere; every
    other rule (identity, duplicates, codes) applies as in a registration.
    """
    number = identity.validate_xjh(xjh)  # R6.4
    values, warnings = validation.clean_student(student, today=today, confirm_region=confirm_region)
    members = validation.clean_family(list(family), today=today)
    placement = validation.clean_enrollment(enrollment)
    _check_school_grade(school, placement["grade"])
    if placement["entry_date"] > today:
        raise RuleViolation(
            rule="R2.3",
            code="future_entry",
            field="entry_date",
            message="导入已有学籍时，入学日期不能晚于今天。",
        )
    if placement["entry_date"] <= values["birth_date"]:
        raise RuleViolation(
            rule="R2.3",
            code="entry_before_birth",
            field="entry_date",
            message="入学日期应晚于出生日期，请核对。",
        )
    check_attendance(values, placement)
    rule_ids = ["R2.3", "R6.1", "R6.2", "R6.3", "R6.4"]
    return Prepared(values, members, placement, Enrollment.Origin.IMPORTED, number, rule_ids, warnings)


@logs_duplicate_lookups
@transaction.atomic
def student_register(
    *,
    actor: User,
    school: School,
    student: Mapping[str, Any],
    family: Sequence[Mapping[str, Any]] = (),
    enrollment: Mapping[str, Any],
    school_class: SchoolClass | None = None,
    confirm_region: bool = False,
    duplicate_reason: str = "",
) -> Student:
    """Register a new student (Chapter 2): autumn entry, age cut-off, duplicates, G/J 学籍号.
    ``duplicate_reason``: why a student without an ID number is not the record it resembles (R6.2)."""
    require_role(actor, WRITE_STUDENTS, school=school)
    prepared = registration_prepare(
        school=school,
        student=student,
        family=family,
        enrollment=enrollment,
        confirm_region=confirm_region,
        today=clock.today(),
        context=RuleContext(),
    )
    return _create(
        actor=actor,
        school=school,
        prepared=prepared,
        school_class=school_class,
        duplicate_reason=duplicate_reason,
    )


@logs_duplicate_lookups
@transaction.atomic
def student_import_existing(
    *,
    actor: User,
    school: School,
    xjh: str,
    student: Mapping[str, Any],
    family: Sequence[Mapping[str, Any]] = (),
    enrollment: Mapping[str, Any],
    school_class: SchoolClass | None = None,
    confirm_region: bool = False,
    duplicate_reason: str = "",
) -> Student:
    """Take over a record that exists in the national system (see ``existing_prepare``)."""
    require_role(actor, WRITE_STUDENTS, school=school)
    prepared = existing_prepare(
        school=school,
        xjh=xjh,
        student=student,
        family=family,
        enrollment=enrollment,
        confirm_region=confirm_region,
        today=clock.today(),
    )
    return _create(
        actor=actor,
        school=school,
        prepared=prepared,
        school_class=school_class,
        duplicate_reason=duplicate_reason,
    )


def _check_school_grade(school: School, grade: int) -> None:
    if not school.offers_grade(grade):
        raise RuleViolation(
            rule="R4.1",
            code="grade_not_offered",
            field="grade",
            message=f"{school.name}不设{grade}年级（本校设 {school.grade_from}–{school.grade_to} 年级），请核对年级。",
        )


def check_attendance(values: Mapping[str, Any], placement: Mapping[str, Any]) -> None:
    # R6.6: 送教上门 is for students whose disability keeps them from school.
    if placement.get("attendance_mode") == "4" and values.get("disability") in (None, "0"):
        raise RuleViolation(
            rule="R6.6",
            code="home_teaching_needs_disability",
            field="attendance_mode",
            message="就读方式为“送教上门”的学生须填写残疾类型（第六条：残疾程度较重、无法进入学校学习的学生）。",
        )


def _entry_decision_missing(values: Mapping[str, Any], entry_year: int) -> RuleViolation:
    """R3.3: a child eligible in an earlier year enters now only with the district's approval."""
    return RuleViolation(
        rule="R3.3",
        code="entry_application_required",
        field="birth_date",
        message=(
            f"该儿童出生于 {values['birth_date']:%Y年%m月%d日}，应于 {entry_year - 1} 年或更早入学。"
            "推迟入学或上一年度未入学的儿童，须经区教育局批准（第三条）。"
            "请先在「入学申请」中提交申请，批准后再注册。"
        ),
    )


def _create(
    *,
    actor: User,
    school: School,
    prepared: Prepared,
    school_class: SchoolClass | None,
    duplicate_reason: str = "",
) -> Student:
    _check_not_registered(prepared.values)
    matched = likely_duplicates(prepared.values, prepared.members)
    reason = " ".join((duplicate_reason or "").split())[:300]
    if matched and not reason:
        refusal = Conflict(
            rule="R6.2", code="possible_duplicate", field="name", message=MSG_POSSIBLE_DUPLICATE
        )
        refusal.holder_id = matched[0]  # type: ignore[attr-defined]  # for the access log
        refusal.lookup_note = "无证件号：姓名、出生日期、性别相同，提示疑似重复"  # type: ignore[attr-defined]
        raise refusal
    if prepared.xjh:
        _check_xjh_free(prepared.xjh)
    if school_class is not None:
        rules.check_class(school, school_class, prepared.placement["grade"])
    values, members, enrollment = record_objects(prepared, school=school, school_class=school_class)
    student = _insert_student(actor, values, xjh=prepared.xjh, school=school)
    for member in members:
        member.student = student
        member._history_user = actor  # type: ignore[attr-defined]
        member.save()
    enrollment.student = student
    enrollment._history_user = actor  # type: ignore[attr-defined]
    enrollment.save()
    audit_record(actor=actor, subject=student, school=school, **creation_audit(prepared, student, enrollment))
    if matched:  # R6.2: confirmed "another child" — listed for the district, and in the log
        PossibleDuplicate.objects.bulk_create(
            PossibleDuplicate(
                student=student, matched_id=pk, school=school, reason=reason, confirmed_by=actor
            )
            for pk in matched
        )
        audit_record(
            actor=actor,
            action=actions.STUDENT_DUPLICATE_CONFIRM,
            subject=student,
            school=school,
            changes={"matched": [None, matched]},
            rules=["R6.2"],
            note=reason,
        )
    return student


_STUDENT_DEFAULTS = {
    f.name: f.get_default()
    for f in Student._meta.concrete_fields
    if f.has_default() and not callable(f.default)
}


def record_objects(
    prepared: Prepared, *, school: School, school_class: SchoolClass | None
) -> tuple[dict[str, Any], list[FamilyMember], Enrollment]:
    """The rows a prepared registration becomes (student values, family, enrollment), unsaved.

    Shared by the single and the bulk writers, so derived values (pinyin, completeness, the
    one-month due date of R5.1) are computed the same way however a record arrives.
    """
    values = {k: v for k, v in prepared.values.items() if v is not None}  # model defaults fill the rest
    values["name_pinyin"], values["name_initials"] = rules.pinyin_of(values["name"])
    # R5.1 judged on the record as stored (a blank 国籍 is stored as 中国, its default), as an
    # update judges it: otherwise the flag would flip at the first unrelated edit.
    values["form_complete"] = not rules.missing_fields(_STUDENT_DEFAULTS | values, prepared.members)
    # A record just made holds no evidence yet: complete only where the district requires none.
    values["is_complete"] = values["form_complete"] and not completeness.required(school.district)
    members = [FamilyMember(**{k: v for k, v in m.items() if v is not None}) for m in prepared.members]
    placement = prepared.placement
    enrollment = Enrollment(
        school=school,
        school_class=school_class,
        origin=prepared.origin,
        gender=values["gender"],
        record_due=rules.record_due(
            placement["entry_date"], RECORD_MONTHS.value(school.district), created=clock.today()
        ),
        **{k: v for k, v in placement.items() if v is not None},
    )
    return values, members, enrollment


def creation_audit(prepared: Prepared, student: Student, enrollment: Enrollment) -> dict[str, Any]:
    """The audit event's content for a created record (action, old → new, rules, warnings)."""
    return {
        "action": actions.STUDENT_REGISTER
        if prepared.origin == Enrollment.Origin.NEW
        else actions.STUDENT_IMPORT_EXISTING,
        "changes": {
            "xjh": [None, student.xjh],
            "grade": [None, enrollment.grade],
            "origin": [None, prepared.origin],
        },
        "rules": prepared.rule_ids,
        "note": "；".join(prepared.warnings),
    }


def _insert_student(actor: User, values: dict[str, Any], *, xjh: str | None, school: School) -> Student:
    """Insert the record and its 学籍号, race-safe: the unique indexes decide (R6.2, R6.4).

    A concurrent insert of the same document or number blocks on the unique index until the other
    transaction ends; when it has committed, our insert fails and (READ COMMITTED) the re-check
    sees the committed record and names its school. A generated J number that lost a race to a
    sibling born the same day simply takes the next sequence.
    """
    for _attempt in range(_XJH_ATTEMPTS):
        student = Student(xjh=xjh or _new_xjh(values, school), **values)
        student._history_user = actor  # type: ignore[attr-defined]
        try:
            with transaction.atomic():  # a savepoint keeps the outer transaction usable
                student.save(force_insert=True)
                XjhAlias.objects.create(number=student.xjh, student=student)
            return student
        except IntegrityError as exc:
            _check_not_registered(values)  # R6.2: the same person, committed meanwhile
            if xjh or not student.xjh.startswith("J"):
                _check_xjh_free(student.xjh)  # R6.4: the number is someone else's
                raise Conflict(rule="R6.2", code="duplicate", field="id_number", message=MSG_BUSY) from exc
    raise Conflict(rule="R6.4", code="xjh_busy", field="xjh", message=MSG_BUSY)


# R6.2: a registrar may learn this many times an hour, as it types, that a number is already
# registered (each time logged); past it, the form says so only on submit.
LIVE_LOOKUPS_PER_HOUR = 30
MSG_LIVE_THROTTLED = "本小时内重复学籍查询次数较多，证件号是否已有学籍将在提交时检查（第六条）。"
MSG_OWN_SCHOOL = "该学生已在本校建立学籍（{name}），不能重复注册（第六条）。请在「学生查询」中找到该生办理。"


def duplicate_preview(*, actor: User, values: Mapping[str, Any]) -> str | None:
    """R6.2 as the registrar types a complete, valid ID number: the refusal a submit would give
    (the holder's school named only when the name matches), the student's own school said plainly;
    every lookup that found a record logged, and at most ``LIVE_LOOKUPS_PER_HOUR`` an hour."""
    if not values.get("id_number") or actor.school is None:
        return None
    since = clock.now() - dt.timedelta(hours=1)
    looked = audit_selectors.actions_since(actor=actor, action=actions.STUDENT_DUPLICATE_LOOKUP, since=since)
    if looked >= LIVE_LOOKUPS_PER_HOUR:
        return MSG_LIVE_THROTTLED
    try:
        _check_not_registered(values)
    except Conflict as refusal:
        holder = Enrollment.objects.filter(student_id=refusal.holder_id, is_current=True).first()  # type: ignore[attr-defined]
        own = holder is not None and holder.school_id == actor.school_id
        named = getattr(refusal, "named_school", False)
        told = "本校学生" if own else ("姓名一致，已告知所在学校" if named else "姓名不一致，未告知学校")
        access_record(
            actor=actor,
            action=actions.STUDENT_DUPLICATE_LOOKUP,
            subject=Student(pk=refusal.holder_id),  # type: ignore[attr-defined]
            school=actor.school,
            note=f"填写时查询：证件号已有学籍，{told}",
        )
        if own:
            return MSG_OWN_SCHOOL.format(name=values.get("name") or "同一证件号")
        return refusal.for_people
    return None


def entry_age_problem(*, birth_date: dt.date, entry_date: dt.date, grade: int) -> RuleViolation | None:
    """R3.1, R3.2 as the registrar types: the autumn entry and the age cut-off a submit would check,
    on their own (the form's other fields may still be empty)."""
    if grade not in rules.NEW_ENTRY_GRADES:
        return None
    try:
        entry_year = RuleContext().autumn_entry_year(entry_date)
        if grade == 1:
            rules.check_entry_age(birth_date, entry_year, **_policy())
    except RuleViolation as problem:
        return problem
    return None


def _check_xjh_free(number: str, *, student: Student | None = None) -> None:
    """R6.4: a 学籍号 is assigned once and never reused, old aliases included."""
    taken = XjhAlias.objects.filter(number=number).exists()
    if not taken and number.startswith("G"):  # "G" + an ID number belongs to the holder of that ID
        others = Student.objects.filter(id_type="1", id_number=number[1:])
        taken = others.exclude(pk=student.pk).exists() if student else others.exists()
    if taken:
        raise Conflict(
            rule="R6.4", code="xjh_taken", field="xjh", message=MSG_XJH_TAKEN.format(number=number)
        )


def _check_not_registered(values: Mapping[str, Any]) -> None:
    """R6.2: one record per person; the refusal names the holding school only to a registrar who
    gave the record's name too (``duplicate_refusal``)."""
    if not values.get("id_number"):
        return
    existing = (
        Student.objects.filter(id_type=values["id_type"], id_number=values["id_number"])
        .values_list("pk", "name", "former_name")
        .first()
    )
    if existing is None:
        return
    holder = (
        Enrollment.objects.filter(student_id=existing[0])
        .order_by("-is_current", "-created_at")
        .select_related("school")
    ).first()
    refusal = duplicate_refusal(
        given_name=values.get("name") or "",
        holder_name=existing[1],
        former_name=existing[2],
        school_name=holder.school.name if holder else "",
    )
    refusal.holder_id = existing[0]  # type: ignore[attr-defined]  # for the access log
    raise refusal


def _new_xjh(values: Mapping[str, Any], school: School) -> str:
    """R6.4: G + resident ID number; otherwise an ID-like J number that is never a real ID."""
    if values["id_type"] == "1":
        return identity.g_number(values["id_number"])
    region = school.district.code
    prefix = f"J{region}{values['birth_date']:%Y%m%d}"
    used = XjhAlias.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    sequence = max((int(n[15:18]) for n in used), default=0) + 1
    return identity.j_number(region_code=region, birth_date=values["birth_date"], sequence=sequence)


# --------------------------------------------------------------------------- updates


@transaction.atomic
def student_update(
    *,
    actor: User,
    student: Student,
    changes: Mapping[str, Any],
    family: Sequence[Mapping[str, Any]] | None = None,
    confirm_region: bool = False,
) -> Student:
    """The registrar's direct edit: fill blank fields (R5.1) and correct the fields the district
    lets registrars correct directly (R9.1 Decision, ``direct_edits``); every other change of a
    filled value goes through the guardian's information-change request (R9.1,
    ``information_services``). Family members (items 49–72) are edited here, with history.

    Fields may be sent unchanged (a page submits the whole form): key fields are compared, not
    re-validated, so a region code confirmed at registration is not questioned again and
    ``confirm_region`` has nothing left to confirm (it stays for callers sharing the form).
    """
    student = Student.objects.select_for_update().get(pk=student.pk)
    enrollment = student.enrollments.select_related("school__district").get(is_current=True)
    require_role(actor, WRITE_STUDENTS, school=enrollment.school)
    rules.refuse_closed(enrollment.status)  # R15.1: read-only once cancelled
    today = clock.today()
    _refuse_key_changes(student, validation.clean_key_fields(changes))  # R9.1
    other = {k: v for k, v in changes.items() if k not in validation.KEY_FIELDS}
    values, warnings = validation.clean_student(
        other, partial=True, today=today, confirm_region=confirm_region
    )
    before = model_to_dict(student)
    _refuse_corrections(before, values, direct_edits.correctable(enrollment.school.district))  # R9.1
    errors: list[RuleViolation] = []
    for field, value in values.items():
        if value is None and not _clearable(field):
            label = validation.STUDENT_FIELDS[field][0]
            errors.append(
                RuleViolation(rule="R2.3", code="required", field=field, message=f"请填写「{label}」。")
            )
            continue
        setattr(student, field, _cleared(field) if value is None else value)
    errors += validation.check_consistency(model_to_dict(student))
    if errors:
        raise RuleViolations(errors)
    check_attendance(model_to_dict(student), {"attendance_mode": enrollment.attendance_mode})  # R6.6
    old_family = list(student.family.all())
    old_names = [m.name for m in old_family]  # before _replace_family edits these rows in place
    members = None
    if family is not None:
        members = validation.clean_family(list(family), today=today)
        _replace_family(actor, student, old_family, members)
    new_family = [model_to_dict(m) for m in student.family.all()] if members is not None else None
    member_values = new_family if new_family is not None else [model_to_dict(m) for m in old_family]
    student.form_complete = not rules.missing_fields(model_to_dict(student), member_values)  # R5.1
    completeness.judge(student, enrollment.school.district)
    diff = {f: [before[f], getattr(student, f)] for f in values if before.get(f) != getattr(student, f)}
    if new_family is not None:
        new_names = [m["name"] for m in new_family]
        if old_names != new_names:
            diff["family"] = [old_names, new_names]
    student._history_user = actor  # type: ignore[attr-defined]
    student.save()
    audit_record(
        actor=actor,
        action=actions.STUDENT_UPDATE,
        subject=student,
        school=enrollment.school,
        changes=diff,
        rules=["R2.3", "R5.1", "R9.1"],
        note="；".join(warnings),
    )
    return student


# Filling a blank key field is R5.1's completion, except the identity document: a new ID number
# is checked for duplicates and may bring a G number (R6.2, R6.4), which only the request does.
_FILLED_ONLY_BY_REQUEST = ("id_type", "id_number")


def _refuse_key_changes(student: Student, key_values: Mapping[str, Any]) -> None:
    changed = [
        f
        for f, v in key_values.items()
        if (v if v is not None else "") != (getattr(student, f) or "")
        and (getattr(student, f) not in (None, "") or f in _FILLED_ONLY_BY_REQUEST)
    ]
    if changed:
        labels = "、".join(validation.STUDENT_FIELDS[f][0] for f in changed)
        raise RuleViolation(
            rule="R9.1",
            code="key_field_change",
            field=changed[0],
            message=(
                f"{labels}属于关键信息，不能直接修改（第九条）。"
                "请凭户口簿、身份证或公安机关证明提交信息变更申请，经学校审核、区教育局批准后生效。"
            ),
        )


def request_only_fields(student: Student, district: Any) -> set[str]:
    """The student's own fields the registrar cannot edit directly now (R9.1): key fields once
    filled (the identity document always), other filled fields outside the district's list."""
    direct = direct_edits.correctable(district)
    return {
        f
        for f in validation.STUDENT_FIELDS
        if f in _FILLED_ONLY_BY_REQUEST or (f not in direct and getattr(student, f) not in (None, ""))
    }


def _refuse_corrections(before: Mapping[str, Any], values: Mapping[str, Any], direct: frozenset[str]) -> None:
    """R9.1: a filled value changes only on the guardian's request, approved by the school, unless
    the district lets registrars correct that field directly; a blank one is filled (R5.1)."""
    changed = [
        f
        for f, v in values.items()
        if f not in validation.KEY_FIELDS  # refused above, with the district's step in the message
        and f not in direct
        and before.get(f) not in (None, "")
        and (_cleared(f) if v is None else v) != before.get(f)
    ]
    if changed:
        raise RuleViolation(
            rule="R9.1",
            code="needs_change_request",
            field=changed[0],
            message=(
                f"{direct_edits.labels(changed)}已有内容，更改须由监护人提出信息变更申请，经学校审核后生效"
                "（第九条）。请在学生页面点击“信息变更申请”。"
                + (f"可直接更正的只有：{direct_edits.labels(direct)}（区教育局规定）。" if direct else "")
            ),
        )


def _clearable(field: str) -> bool:
    model_field = Student._meta.get_field(field)
    assert isinstance(model_field, models.Field)  # an editable field of the record's own
    return model_field.null or model_field.blank or isinstance(model_field, models.BooleanField)


def _cleared(field: str) -> Any:
    """What an emptied input stores: NULL where allowed, False for a yes/no, else ""."""
    model_field = Student._meta.get_field(field)
    assert isinstance(model_field, models.Field)  # an editable field of the record's own
    if model_field.null:
        return None
    return False if isinstance(model_field, models.BooleanField) else ""


def _replace_family(
    actor: User, student: Student, old: list[FamilyMember], members: list[dict[str, Any]]
) -> None:
    by_position = {m.position: m for m in old}
    for member in members:
        row = by_position.pop(member["position"], None) or FamilyMember(student=student)
        for field in validation.FAMILY_FIELDS:
            value = member.get(field)
            setattr(row, field, (False if field == "is_guardian" else "") if value is None else value)
        row.position = member["position"]
        row._history_user = actor  # type: ignore[attr-defined]
        row.save()
    # A member left blank on the form is kept, not deleted: nothing is ever hard-deleted (R2.3);
    # a registrar replaces a member by entering another one at that position.


@transaction.atomic
def student_xjh_replace(*, actor: User, student: Student, new_xjh: str) -> Student:
    """R6.4: a J or L student obtains a G number; the old number stays as a searchable alias."""
    student = Student.objects.select_for_update().get(pk=student.pk)
    enrollment = student.enrollments.select_related("school__district").get(is_current=True)
    require_role(actor, WRITE_STUDENTS, school=enrollment.school)
    number = identity.validate_xjh(new_xjh)
    if student.xjh.startswith("G") or not number.startswith("G"):
        raise RuleViolation(
            rule="R6.4",
            code="xjh_not_replaceable",
            field="xjh",
            message="只有J、L字头学籍号的学生取得G字头学籍号时才能更换学籍号；学籍号一经分配不再更改（第六条）。",
        )
    if student.id_type == "1" and number[1:] != student.id_number:
        raise RuleViolation(
            rule="R6.4",
            code="xjh_id_mismatch",
            field="xjh",
            message="G字头学籍号应为“G+本人身份证号”。身份证号有误的，请先办理信息变更（第九条）。",
        )
    old = student.xjh
    xjh_move(student, number)
    student._history_user = actor  # type: ignore[attr-defined]
    student.save()
    audit_record(
        actor=actor,
        action=actions.STUDENT_XJH_REPLACE,
        subject=student,
        school=enrollment.school,
        changes={"xjh": [old, number]},
        rules=["R6.4"],
    )
    return student


def xjh_move(student: Student, number: str) -> None:
    """R6.4: the student (locked by the caller) takes ``number``; the old one stays an alias,
    searchable and never reused. The caller saves the student and writes the audit event."""
    _check_xjh_free(number, student=student)
    XjhAlias.objects.filter(student=student, is_current=True).update(is_current=False)
    try:
        with transaction.atomic():
            XjhAlias.objects.create(number=number, student=student)
    except IntegrityError as exc:  # taken meanwhile by a concurrent registration
        raise Conflict(
            rule="R6.4", code="xjh_taken", field="xjh", message=MSG_XJH_TAKEN.format(number=number)
        ) from exc
    student.xjh = number


# --------------------------------------------------------------------------- evidence


@transaction.atomic
def evidence_attach(
    *,
    actor: User,
    student: Student,
    file: IO[bytes],
    original_name: str,
    category: str,
    description: str = "",
) -> Evidence:
    enrollment = student.enrollments.select_related("school__district").get(is_current=True)
    require_role(actor, WRITE_STUDENTS, school=enrollment.school)
    rules.refuse_closed(enrollment.status)  # R15.1
    if category not in Evidence.Category.values:
        raise RuleViolation(rule="R6.1", code="bad_code", field="category", message="请选择材料类别。")
    stored = evidence.store(file)
    item = Evidence.objects.create(
        student=student,
        category=category,
        description=description[:200],
        original_name=(original_name or "upload")[-200:],
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_name=stored.storage_name,
        uploaded_by=actor,
    )
    # R5.1: the entry evidence may now be there (read from the stored record, not this instance).
    completeness.refresh(Student.objects.filter(pk=student.pk))
    audit_record(
        actor=actor,
        action=actions.EVIDENCE_ATTACH,
        subject=student,
        school=enrollment.school,
        changes={"evidence": [None, item.pk], "sha256": [None, stored.sha256]},
        rules=["R6.1"],
    )
    return item


@dataclass(frozen=True)
class Upload:
    """One file of a bulk upload, already matched to its student (``name`` as the user named it)."""

    student: Student
    name: str
    data: bytes


@transaction.atomic
def evidence_attach_many(
    *, actor: User, school: School, category: str, files: Sequence[Upload], description: str = ""
) -> list[Evidence]:
    """Many students' proofs at once (a class's 户口簿 scans): all or nothing. Each file is checked
    as a single upload is, each student must be in the school with an open record; then one insert,
    one audit event per file, and R5.1's completeness recomputed set-based."""
    require_role(actor, WRITE_STUDENTS, school=school)
    if category not in Evidence.Category.values:
        raise RuleViolation(rule="R6.1", code="bad_code", field="category", message="请选择材料类别。")
    ids = list({f.student.pk for f in files})
    open_here: set[int] = set()
    for chunk in bulk_insert.id_chunks(ids):
        open_here |= set(
            Enrollment.objects.filter(student_id__in=chunk, school=school, is_current=True)
            .exclude(status__in=rules.CLOSED_STATUSES)
            .values_list("student_id", flat=True)
        )
    errors: list[RuleViolation] = []
    for f in files:
        if f.student.pk not in open_here:
            errors.append(
                RuleViolation(
                    rule="R4.1",
                    code="no_record",
                    field="file",
                    message=f"文件「{f.name}」：{f.student.name}不是本校在籍学生，不能上传。",
                )
            )
            continue
        try:
            evidence.read_checked(io.BytesIO(f.data))
        except RuleViolation as exc:
            errors.append(
                RuleViolation(
                    rule=exc.rule, code=exc.code, field="file", message=f"文件「{f.name}」：{exc.message}"
                )
            )
    if errors:
        raise RuleViolations(errors)
    rows = []
    for f in files:
        stored = evidence.store(io.BytesIO(f.data))
        rows.append(
            Evidence(
                student=f.student,
                category=category,
                description=description[:200],
                original_name=(f.name or "upload")[-200:],
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                storage_name=stored.storage_name,
                uploaded_by=actor,
            )
        )
    Evidence.objects.bulk_create(rows)
    audit_record_many(
        actor=actor,
        school=school,
        events=[
            {
                "action": actions.EVIDENCE_ATTACH,
                "subject": item.student,
                "changes": {"evidence": [None, item.pk], "sha256": [None, item.sha256]},
                "rules": ["R6.1"],
                "note": "批量上传",
            }
            for item in rows
        ],
    )
    for chunk in bulk_insert.id_chunks(ids):  # R5.1: the entry evidence may now be there
        completeness.refresh(Student.objects.filter(pk__in=chunk))
    return rows


# --------------------------------------------------------------------------- deferral / late entry (R3.3)


@transaction.atomic
def entry_application_submit(*, actor: User, school: School, data: Mapping[str, Any]) -> EntryApplication:
    require_role(actor, WRITE_STUDENTS, school=school)
    today = clock.today()
    errors: list[RuleViolation] = []
    kind = data.get("kind")
    if kind not in EntryApplication.Kind.values:
        errors.append(RuleViolation(rule="R3.3", code="required", field="kind", message="请选择申请类型。"))
    for field, label in (("child_name", "儿童姓名"), ("reason", "理由"), ("guardian_name", "监护人")):
        if not str(data.get(field) or "").strip():
            errors.append(
                RuleViolation(rule="R3.3", code="required", field=field, message=f"请填写「{label}」。")
            )
    try:
        info = identity.parse_resident_id(str(data.get("id_number") or ""), today=today)
    except RuleViolation as exc:
        errors.append(exc)
        info = None
    try:
        entry_year = int(data.get("entry_year") or 0)
    except (TypeError, ValueError):
        entry_year = 0
    if not today.year <= entry_year <= today.year + 3:
        errors.append(
            RuleViolation(
                rule="R3.3",
                code="invalid",
                field="entry_year",
                message=f"申请入学年份应在 {today.year}–{today.year + 3} 之间。",
            )
        )
    phone = str(data.get("guardian_phone") or "").strip()
    if not rules.PHONE_RE.match(phone):
        errors.append(
            RuleViolation(
                rule="R2.3", code="invalid", field="guardian_phone", message="请填写正确的监护人电话。"
            )
        )
    if errors:
        raise RuleViolations(errors)
    assert info is not None
    assert kind is not None  # one of EntryApplication.Kind's values, checked above
    pending = Conflict(
        rule="R3.3",
        code="duplicate",
        field="id_number",
        message="该儿童已有待审批的申请，请等待区教育局审批。",
    )
    if EntryApplication.objects.filter(id_number=info.number, state=EntryApplication.State.PENDING).exists():
        raise pending
    try:
        with transaction.atomic():  # the partial unique index decides a race between two submissions
            application = EntryApplication.objects.create(
                kind=kind,
                school=school,
                child_name=str(data["child_name"]).strip(),
                id_number=info.number,
                birth_date=info.birth_date,
                entry_year=entry_year,
                reason=str(data["reason"]).strip(),
                guardian_name=str(data["guardian_name"]).strip(),
                guardian_phone=phone,
                submitted_by=actor,
            )
    except IntegrityError as exc:
        raise pending from exc
    audit_record(
        actor=actor,
        action=actions.ENTRY_APPLICATION_SUBMIT,
        subject=application,
        school=school,
        rules=["R3.3"],
    )
    return application


@transaction.atomic
def entry_application_decide(
    *, actor: User, application: EntryApplication, approve: bool, comment: str = ""
) -> EntryApplication:
    application = (
        EntryApplication.objects.select_for_update().select_related("school__district").get(pk=application.pk)
    )
    require_role(actor, DECIDE_ENTRY, school=application.school)
    if application.state != EntryApplication.State.PENDING:
        raise RuleViolation(rule="R3.3", code="already_decided", message="该申请已审批，不能重复审批。")
    if not approve and not comment.strip():
        raise RuleViolation(
            rule="R3.3",
            code="reason_required",
            field="comment",
            message="不批准时请填写理由，以便学校告知监护人。",
        )
    old = application.state
    application.state = EntryApplication.State.APPROVED if approve else EntryApplication.State.REJECTED
    application.decided_by = actor
    application.decided_at = clock.now()
    application.decision_comment = comment.strip()
    application.save()
    audit_record(
        actor=actor,
        action=actions.ENTRY_APPLICATION_DECIDE,
        subject=application,
        school=application.school,
        changes={"state": [old, application.state]},
        rules=["R3.3"],
        note=comment[:300],
    )
    return application


# --------------------------------------------------------------------------- the follow-up log (R12.6, R13.2, R13.3)

FOLLOW_UP_WRITERS = (Role.REGISTRAR, Role.DISTRICT_OFFICER)


@transaction.atomic
def follow_up_record(
    *,
    actor: User,
    student: Student,
    kind: str,
    on: dt.date,
    who: str,
    way: str,
    result: str,
    concerns: str = "",
    file: IO[bytes] | None = None,
    original_name: str = "",
) -> FollowUp:
    """Log an urging, a contact or a referral on the student (R12.6, R13.2, R13.3): date, who, way,
    result and, if there is one, the scanned evidence. With or without an open case; it changes
    nothing else. The school's registrar or the district's officer records it."""
    enrollment = student.enrollments.select_related("school__district").get(is_current=True)
    require_role(actor, FOLLOW_UP_WRITERS, school=enrollment.school)
    rules.refuse_closed(enrollment.status)  # R15.1
    errors: list[RuleViolation] = []

    def refuse(field: str, message: str, rule: str = "R12.6") -> None:
        errors.append(RuleViolation(rule=rule, code="invalid", field=field, message=message))

    if kind not in FollowUp.Kind.values:
        refuse("kind", f"请选择类别：{'、'.join(FollowUp.Kind.labels)}。")
    if way not in FollowUp.Way.values:
        refuse("way", f"请选择方式：{'、'.join(FollowUp.Way.labels)}。")
    if not isinstance(on, dt.date) or on > clock.today():
        refuse("on", "请填写日期，不能晚于今天。")
    if not who.strip():
        refuse("who", "请填写经办人（谁督促、联系或移交）。")
    if not result.strip():
        refuse("result", "请填写结果（如：家长承诺下周到校办理复学）。")
    if concerns and concerns not in Enrollment.Status.values:
        refuse("concerns", "针对的学籍状态不正确。")
    if kind == FollowUp.Kind.HOUSEHOLD_PLACE and not student.migrant_child:
        refuse("kind", "联系户籍地教育部门适用于进城务工人员随迁子女（第十三条）。", "R13.3")
    if errors:
        raise RuleViolations(errors)
    item = None
    if file is not None:
        stored = evidence.store(file)
        item = Evidence.objects.create(
            student=student,
            category=Evidence.Category.OTHER,
            description=f"{FollowUp.Kind(kind).label}材料 {on:%Y-%m-%d}",
            original_name=(original_name or "upload")[-200:],
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            storage_name=stored.storage_name,
            uploaded_by=actor,
        )
    follow_up = FollowUp.objects.create(
        student=student,
        school=enrollment.school,
        kind=kind,
        on=on,
        who=who.strip()[:50],
        way=way,
        result=result.strip()[:300],
        concerns=concerns or enrollment.status,
        evidence=item,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=actions.FOLLOW_UP_RECORD,
        subject=student,
        school=enrollment.school,
        changes={"follow_up": [None, follow_up.pk], "kind": [None, kind]},
        rules=["R13.3"] if kind == FollowUp.Kind.HOUSEHOLD_PLACE else ["R12.6", "R13.2"],
        note=result.strip()[:100],
    )
    return follow_up
