"""Registration rules as pure functions (no database): dates, ages, completeness."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import family_payload, student_payload
from xueji.core.errors import RuleViolation
from xueji.students import rules

AUTUMN = (dt.date(2026, 9, 1), dt.date(2027, 1, 20))


@pytest.mark.parametrize(
    ("entry", "due"),
    [
        (dt.date(2026, 9, 1), dt.date(2026, 10, 1)),
        (dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),
        (dt.date(2026, 12, 15), dt.date(2027, 1, 15)),
    ],
)
def test_r5_1_record_due_one_calendar_month(entry, due):
    assert rules.record_due(entry) == due


def test_r3_2_born_aug_31_may_enter():
    rules.check_entry_age(dt.date(2020, 8, 31), 2026)


def test_r3_2_born_sep_1_refused_citing_art_3():
    with pytest.raises(RuleViolation) as exc:
        rules.check_entry_age(dt.date(2020, 9, 1), 2026)
    assert (exc.value.rule, exc.value.code, exc.value.field) == ("R3.2", "under_age", "birth_date")
    assert "第三条" in exc.value.message
    assert "2027" in exc.value.message  # says when the child can enter


@given(birth=st.dates(dt.date(2012, 1, 1), dt.date(2026, 12, 31)), entry_year=st.integers(2018, 2032))
def test_r3_2_age_rule_accepts_iff_born_by_aug_31(birth, entry_year):
    allowed = birth <= dt.date(entry_year - 6, 8, 31)
    try:
        rules.check_entry_age(birth, entry_year)
    except RuleViolation:
        assert not allowed
    else:
        assert allowed


def test_r3_2_cutoff_is_configurable():
    rules.check_entry_age(dt.date(2019, 12, 31), 2026, entry_age=6, month_day=(12, 31))
    with pytest.raises(RuleViolation):
        rules.check_entry_age(dt.date(2020, 8, 31), 2026, entry_age=7)


def test_r3_3_eligible_a_year_earlier_needs_decision():
    assert rules.should_have_entered_earlier(dt.date(2019, 8, 31), 2026)
    assert not rules.should_have_entered_earlier(dt.date(2019, 9, 1), 2026)


@pytest.mark.parametrize("day", [AUTUMN[0], dt.date(2026, 10, 8), AUTUMN[1]])
def test_r3_1_entry_inside_autumn_semester_accepted(day):
    rules.check_autumn_entry(day, *AUTUMN)


@pytest.mark.parametrize("day", [dt.date(2026, 8, 31), dt.date(2027, 1, 21), dt.date(2027, 3, 1)])
def test_r3_1_entry_outside_autumn_semester_refused(day):
    with pytest.raises(RuleViolation) as exc:
        rules.check_autumn_entry(day, *AUTUMN)
    assert (exc.value.rule, exc.value.code) == ("R3.1", "not_autumn_entry")


def test_r3_1_no_autumn_semester_names_the_school_year():
    with pytest.raises(RuleViolation) as exc:
        rules.check_autumn_entry(dt.date(2027, 1, 10), None, None, school_year=2026)
    assert exc.value.code == "no_autumn_semester"
    assert "2026 学年" in exc.value.message


def _complete() -> tuple[dict, list[dict]]:
    student = student_payload()
    student.update(only_child=False, preschool=True)
    family = [dict(m, position=i) for i, m in enumerate(family_payload(), start=1)]
    return student, family


def test_r5_1_complete_record_misses_nothing():
    assert rules.missing_fields(*_complete()) == []


def test_r5_1_missing_fields_named():
    student, family = _complete()
    student["postal_code"] = ""
    student["only_child"] = None
    assert rules.missing_fields(student, family) == ["邮政编码", "是否独生子女"]
    assert rules.missing_fields(student, []) == ["邮政编码", "是否独生子女", "家庭成员或监护人"]


def test_r5_1_false_is_an_answer_not_a_gap():
    student, family = _complete()
    student["preschool"] = False
    assert rules.missing_fields(student, family) == []


def test_r5_1_guardian_and_member_fields_required():
    student, family = _complete()
    for member in family:
        member["is_guardian"] = False
    family[1]["phone"] = ""
    assert rules.missing_fields(student, family) == ["成员二联系电话", "监护人（至少一名家庭成员为监护人）"]


def test_r5_1_student_without_id_needs_guardian_id():
    student, family = _complete()
    student.update(id_type="Z", id_number="")
    family[0]["id_number"] = ""
    assert rules.missing_fields(student, family) == ["监护人身份证件号（学生无身份证件号时必填）"]


def test_pinyin_initials_for_search():
    assert rules.pinyin_of("张三丰") == ("zhang san feng", "zsf")
    assert rules.pinyin_of("阿依古丽·买买提")[1] == "ayglmmt"


def test_pinyin_initials_are_what_pypinyin_gives_letter_by_letter():
    """The initials come from the full syllables; they must equal pypinyin's own FIRST_LETTER style,
    polyphonic surnames and names with a middle dot included."""
    from pypinyin import Style, lazy_pinyin

    names = ["单于长安", "曾长乐", "解晓东", "乐乐", "长孙无忌", "重庆", "朴成", "买买提·艾力", "A王明", "嗯"]
    names += [chr(c) + chr(c + 7) for c in range(0x4E00, 0x9FA5, 97)]
    for name in names:
        initials = "".join(
            i for i in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore") if i.strip()
        )
        assert rules.pinyin_of(name)[1] == initials.lower(), name
