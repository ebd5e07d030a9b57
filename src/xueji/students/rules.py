"""Registration rules as pure functions: dates, ages, completeness. No database here."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pypinyin import lazy_pinyin

from xueji.core import codes
from xueji.core.errors import RuleViolation

NEW_ENTRY_GRADES = (1, 7)  # R3.1: the starting grades of primary and junior high
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
POSTAL_RE = re.compile(r"^\d{6}$")
REGION_RE = re.compile(r"^\d{6}(\d{6})?$")  # GB/T 2260 6-digit or the statistics office's 12-digit code
# Han characters: the unified block and Extension A (U+3400–U+9FFF), the compatibility ideographs
# (U+F900–U+FAFF), 〇, and Extensions B–I with the compatibility supplement (生僻字, as household
# registers write them: U+20000–U+323AF); the middle dot of minority names; Latin letters.
NAME_RE = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff\u3007\U00020000-\U000323af\u00b7·A-Za-z\s]{1,50}$")


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months; a day the target month lacks rolls to its last day (R5.1: 31 Jan → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def record_due(entry_date: dt.date, months: int = 1, *, created: dt.date | None = None) -> dt.date:
    """R5.1: the record must be complete within one calendar month of the entry date, or of the day
    it was created here when that is later (late registration, import, transfer-in)."""
    return add_months(max(entry_date, created) if created else entry_date, months)


def age_cutoff(entry_year: int, *, entry_age: int = 6, month_day: tuple[int, int] = (8, 31)) -> dt.date:
    """R3.2: the latest birth date that may enter grade 1 in the autumn of ``entry_year``."""
    return dt.date(entry_year - entry_age, *month_day)


def check_entry_age(
    birth_date: dt.date, entry_year: int, *, entry_age: int = 6, month_day: tuple[int, int] = (8, 31)
) -> None:
    """R3.2: refuse a child under six on 31 August of the entry year (Art. 3)."""
    cutoff = age_cutoff(entry_year, entry_age=entry_age, month_day=month_day)
    if birth_date > cutoff:
        raise RuleViolation(
            rule="R3.2",
            code="under_age",
            field="birth_date",
            message=(
                f"该儿童出生于 {birth_date:%Y年%m月%d日}，{entry_year}年8月31日未满{entry_age}周岁，"
                f"不能于 {entry_year} 年秋季入读一年级（第三条：小学不得招收不足6周岁的儿童入学；"
                f"须在 {cutoff:%Y年%m月%d日} 及以前出生）。请于 {entry_year + 1} 年秋季再办理入学。"
            ),
        )


def should_have_entered_earlier(birth_date: dt.date, entry_year: int, **cutoff: Any) -> bool:
    """R3.3: a child already eligible a year earlier needs a district decision to enter now."""
    return birth_date <= age_cutoff(entry_year - 1, **cutoff)


def check_autumn_entry(
    entry_date: dt.date,
    autumn_start: dt.date | None,
    autumn_end: dt.date | None,
    *,
    school_year: int | None = None,
) -> None:
    """R3.1: new students enter in the autumn semester of the school year only."""
    if autumn_start is None or autumn_end is None:
        raise RuleViolation(
            rule="R3.1",
            code="no_autumn_semester",
            field="entry_date",
            message=(
                f"区教育局尚未设置 {school_year or entry_date.year} 学年秋季学期，无法确认入学日期。"
                "请联系区教育局在「学年学期」中设置后再注册（第三条：秋季招生、入学）。"
            ),
        )
    if not autumn_start <= entry_date <= autumn_end:
        raise RuleViolation(
            rule="R3.1",
            code="not_autumn_entry",
            field="entry_date",
            message=(
                f"入学日期 {entry_date:%Y年%m月%d日} 不在秋季学期（{autumn_start:%Y年%m月%d日}—"
                f"{autumn_end:%Y年%m月%d日}）内。第三条规定小学和初中实行秋季招生、入学；"
                "其他时间入校的学生请走转学或「导入已有学籍」。"
            ),
        )


@functools.lru_cache(maxsize=65536)  # names repeat in a school's import; pypinyin is slow per call
def pinyin_of(name: str) -> tuple[str, str]:
    """Full pinyin ("zhang san feng") and initials ("zsf") for search by pinyin."""
    syllables = [s for s in lazy_pinyin(name, errors="ignore") if s.strip()]
    # The initials are the syllables' first letters (what Style.FIRST_LETTER returns, checked for
    # every character U+3400–U+9FFF), so one pypinyin call serves both.
    return " ".join(syllables), "".join(s[0] for s in syllables).lower()


# R5.1: the ★ fields of the national form that a complete record has, with their labels.
REQUIRED_STUDENT_FIELDS: dict[str, str] = {
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "birthplace_code": "出生地",
    "native_place": "籍贯",
    "ethnicity": "民族",
    "nationality": "国籍/地区",
    "id_type": "身份证件类型",
    "hk_mo_tw": "港澳台侨外",
    "health": "健康状况",
    "household_place_code": "户口所在地",
    "household_type": "户口性质",
    "current_address": "现住址",
    "mailing_address": "通信地址",
    "home_address": "家庭地址",
    "phone": "联系电话",
    "postal_code": "邮政编码",
    "only_child": "是否独生子女",
    "preschool": "是否受过学前教育",
}
REQUIRED_FAMILY_FIELDS: dict[str, str] = {"name": "姓名", "relation": "关系", "phone": "联系电话"}


def missing_fields(student: Mapping[str, Any], family: Sequence[Mapping[str, Any]]) -> list[str]:
    """R5.1: labels of what the record still lacks; empty means complete."""
    missing = [label for field, label in REQUIRED_STUDENT_FIELDS.items() if student.get(field) in (None, "")]
    if student.get("id_type") and student.get("id_type") != "Z" and not student.get("id_number"):
        missing.append("身份证件号")
    members = [m for m in family if m.get("name")]
    if not members:
        missing.append("家庭成员或监护人")
    for member in members:
        pos = "成员一" if member.get("position", 1) == 1 else "成员二"
        missing += [f"{pos}{label}" for f, label in REQUIRED_FAMILY_FIELDS.items() if not member.get(f)]
    if members and not any(m.get("is_guardian") for m in members):
        missing.append("监护人（至少一名家庭成员为监护人）")
    # 填表说明: without the student's ID number, a guardian's ID number is required.
    if student.get("id_type") == "Z" and not any(m.get("id_number") for m in members):
        missing.append("监护人身份证件号（学生无身份证件号时必填）")
    return missing


def check_code(table: Mapping[str, str], value: str, *, field: str, label: str, rule: str = "R2.3") -> str:
    code = codes.lookup(table, value)
    if code is None:
        raise RuleViolation(
            rule=rule,
            code="bad_code",
            field=field,
            message=f"「{label}」的值“{value}”不在代码表中，请从下拉列表中选择（可填代码或名称）。",
        )
    return code


# --------------------------------------------------------------------------- status transitions

# The one table of allowed status changes (students.status is the only writer). 学生当前状态 codes:
# 01 在读, 02 休学, 06 辍学, 07 毕业, 10 转出, 11 死亡, 13 出国（境）, 15 下落不明. There is no target
# 退学, 停学 or 开除 for a compulsory-education student (R13.1): no row here can name one.
# Each target cites the rule that allows it; a refused change cites the rule of its target.
STATUS_TRANSITIONS: dict[str, dict[str, str]] = {
    "01": {
        "02": "R12.3",
        "06": "R13.2",
        "07": "R14.2",
        "10": "R10.10",
        "11": "R15.1",
        "13": "R12.7",
        "15": "R15.2",
    },
    "02": {"01": "R12.5", "06": "R13.2", "11": "R15.1", "15": "R15.2"},
    # R12.7: back from abroad at this school (在读) or, by transfer, at another (转出 here).
    "13": {"01": "R12.7", "06": "R13.2", "10": "R12.7", "11": "R15.1", "15": "R15.2"},
    # R13.2: back at this school (在读) or, by transfer, at another (转出 here).
    "06": {"01": "R13.2", "09": "R13.2", "10": "R13.2", "11": "R15.1", "15": "R15.2"},
    # R15.2: a missing student's record is cancelled only by a death filing; found, the student
    # is 在读 again.
    "15": {"01": "R15.2", "11": "R15.2"},
    "07": {},
    "09": {},
    "10": {},
    "11": {},
}
# 退学 03, 停学 04, 开除 14 (JY/T 1001): named anywhere (an API body, an import cell), refused (R13.1).
FORBIDDEN_STATUSES = {"03": "退学", "04": "停学", "14": "开除"}
MSG_FORBIDDEN_STATUS = (
    "义务教育阶段不得开除学生，不得责令学生停学或退学（第十三条）。"
    "学生确实无法到校的，请按休学、辍学报告等规定程序办理。"
)
MSG_TRANSITION = "该学生学籍状态为“{old}”，不能直接变为“{new}”。请按《办法》规定的程序办理。"
# R15.1: a cancelled record (死亡) is kept read-only: no edit, no follow-up, no evidence.
# R13.2: a dropout's record closed at the end of the compulsory term (肄业) is kept read-only too.
CLOSED_STATUSES = ("11", "09")
MSG_CLOSED = {
    "11": ("R15.1", "该学生学籍已注销（死亡），只读保存，不能修改（第十五条）。"),
    "09": ("R13.2", "该学生辍学后义务教育年限已届满，学籍已关闭（肄业），只读保存，不能修改（第十三条）。"),
}


def refuse_closed(status: str) -> None:
    if status in CLOSED_STATUSES:
        rule, message = MSG_CLOSED[status]
        raise RuleViolation(rule=rule, code="record_closed", field=None, message=message)


# Statuses whose student is not counted among current students (R12.3: a suspended record is kept
# but the student is not in class).
NOT_ATTENDING = ("02", "06", "09", "11", "13", "15")


def refuse_forbidden_status(value: Any, *, field: str = "status") -> None:
    """R13.1: a status code or name of expulsion, forced suspension or withdrawal is refused."""
    text = str(value or "").strip()
    if text in FORBIDDEN_STATUSES or text in FORBIDDEN_STATUSES.values() or text in ("expel", "expulsion"):
        raise RuleViolation(rule="R13.1", code="forbidden_status", field=field, message=MSG_FORBIDDEN_STATUS)


def check_transition(old: str, new: str, *, labels: Mapping[str, str]) -> str:
    """The rule that allows ``old`` → ``new``; a refusal naming the rule otherwise."""
    refuse_forbidden_status(new)
    allowed = STATUS_TRANSITIONS.get(old, {})
    if new not in allowed:
        rule = next(
            (r for targets in STATUS_TRANSITIONS.values() for t, r in targets.items() if t == new), "R2.3"
        )
        raise RuleViolation(
            rule=rule,
            code="status_transition",
            field="status",
            message=MSG_TRANSITION.format(old=labels.get(old, old), new=labels.get(new, new)),
        )
    return allowed[new]


def period_end(start: dt.date, years: int = 1) -> dt.date:
    """R12.4: a period of ``years`` from ``start`` ends the day before the same date ``years``
    later. The same date a year after 29 February is 1 March in a common year, so such a period
    ends on 28 February (29 Feb 2028 → 28 Feb 2029); one starting 1 March 2027 ends 29 Feb 2028."""
    try:
        same = start.replace(year=start.year + years)
    except ValueError:  # 29 February into a common year
        same = dt.date(start.year + years, 3, 1)
    return same - dt.timedelta(days=1)


def check_class(school: Any, school_class: Any, grade: int) -> None:
    """R4.1: a student is placed in a class of the student's own school and grade."""
    if school_class.school_id != school.pk or school_class.grade != grade:
        raise RuleViolation(
            rule="R4.1",
            code="class_mismatch",
            field="school_class",
            message=f"所选班级不属于本校{grade}年级，请重新选择班级。",
        )
