"""The suspension family (Art. 12) through its services and its pages: one third at its edges
(R12.1), evidence by cause and school level (R12.2), a year across a leap day (R12.4), extension
past two years (R12.4), resumption by continuity or the district's grade (R12.5), the urging list
(R12.6), study abroad and back with the same 学籍号 (R12.7)."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.api.conftest import bearer
from tests.changes.builders import advance, case_in_state
from tests.conftest import login, said
from tests.factories import SchoolFactory, enrolled, persona
from xueji.changes import services as engine
from xueji.changes.kinds.abroad_return.services import abroad_return_start
from xueji.changes.kinds.extension.services import extension_start
from xueji.changes.kinds.resumption.services import resumption_start
from xueji.changes.kinds.suspension.rules import Share
from xueji.changes.kinds.suspension.services import suspension_start
from xueji.changes.kinds.transfer.services import transfer_start, transfer_verify
from xueji.core.errors import RuleViolation, RuleViolations
from xueji.org.models import Role, School, SchoolYear, Semester
from xueji.students import selectors as student_selectors
from xueji.students.models import Enrollment

pytestmark = pytest.mark.django_db
GUARDIAN = {"guardian_name": "王建国", "reason": "因病住院治疗"}


@pytest.fixture
def semester_60(world):
    """A term of exactly 60 working days: Monday 4 March to Friday 24 May 2030 (a year whose
    holidays are not loaded, so Monday to Friday count: 12 weeks)."""
    year = SchoolYear.objects.create(start_year=2029, start=dt.date(2029, 8, 20), end=dt.date(2030, 8, 19))
    return Semester.objects.create(
        school_year=year,
        term="spring",
        start=dt.date(2030, 3, 4),
        end=dt.date(2030, 5, 24),
        teaching_weeks=12,
        teaching_hours=360,
    )


def _weekdays_after(start: dt.date, n: int) -> dt.date:
    """The n-th weekday counting ``start`` as the first (a Monday–Friday year)."""
    day, counted = start, 1
    while counted < n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def _suspend(world, *, ground: str, days: int, student=None, cause: str = "illness", **facts):
    absence_to = _weekdays_after(dt.date(2030, 3, 4), days)
    return suspension_start(
        actor=world.registrar_a,
        student=student or enrolled(world.school_a),
        facts={
            "ground": ground,
            "cause": cause,
            "absence_from": "2030-03-04",
            "absence_to": absence_to.isoformat(),
            "starts_on": "2030-03-04",
            **GUARDIAN,
            **facts,
        },
    )


# --------------------------------------------------------------------------- R12.1: one third


def test_r12_1_the_share_arithmetic_at_its_edges():
    assert Share(20, 60, "illness").passes and not Share(19, 60, "illness").passes
    assert not Share(20, 60, "leave").passes and Share(21, 60, "leave").passes
    assert (Share(19, 60, "illness").missing, Share(20, 60, "leave").missing) == (1, 1)
    assert Share(21, 61, "illness").passes and not Share(20, 61, "illness").passes  # ⌈61/3⌉ = 21


@pytest.mark.parametrize(("days", "accepted"), [(19, False), (20, True), (21, True)])
def test_r12_1_illness_passes_at_one_third_or_more(world, semester_60, days, accepted):
    if accepted:
        case = _suspend(world, ground="illness", days=days)
        assert case.facts["share"] == f"{days}/60 个工作日"
        return
    with pytest.raises(RuleViolations) as refused:
        _suspend(world, ground="illness", days=days)
    assert refused.value.rule == "R12.1" and refused.value.code == "share_too_small"
    assert "19/60 个工作日" in refused.value.message and "还差 1 个工作日" in refused.value.message


@pytest.mark.parametrize(("days", "accepted"), [(19, False), (20, False), (21, True)])
def test_r12_1_leave_passes_only_above_one_third(world, semester_60, days, accepted):
    if accepted:
        assert _suspend(world, ground="leave", days=days).state == "draft"
        return
    with pytest.raises(RuleViolations) as refused:
        _suspend(world, ground="leave", days=days)
    assert refused.value.code == "share_too_small"
    assert f"还差 {21 - days} 个工作日" in refused.value.message and "超过三分之一" in refused.value.message


def test_r12_1_every_refusal_at_once_and_none_for_other_reasons(world, semester_60):
    with pytest.raises(RuleViolations) as refused:
        suspension_start(
            actor=world.registrar_a,
            student=enrolled(world.school_a),
            facts={"ground": "leave", "absence_from": "x"},
        )
    fields = {v.field for v in refused.value.violations}
    assert {"starts_on", "reason", "guardian_name", "cause", "absence_from"} <= fields
    other = suspension_start(
        actor=world.registrar_a,
        student=enrolled(world.school_a, name="王小东"),
        facts={"ground": "other", "starts_on": "2026-09-14", **GUARDIAN},
    )
    assert "share" not in other.facts


def test_r12_1_only_a_student_of_the_school_who_is_in_school(world):
    with pytest.raises(RuleViolation) as refused:
        suspension_start(actor=world.registrar_a, student=enrolled(world.school_c), facts={})
    assert refused.value.code == "not_own_student"
    suspended = case_in_state("suspension", "completed", world).student
    with pytest.raises(RuleViolation) as refused:
        suspension_start(actor=world.registrar_a, student=suspended, facts={})
    assert refused.value.code == "wrong_status" and "休学" in refused.value.message


# --------------------------------------------------------------------------- R12.2: evidence


def _needed(world, school, grade, **facts) -> set[str]:
    student = enrolled(school, grade=grade, name="李小南")
    facts = {"ground": "other", "starts_on": "2026-09-14", **GUARDIAN, **facts}
    return set(
        engine.missing_evidence(
            suspension_start(actor=persona(Role.REGISTRAR, school=school), student=student, facts=facts)
        )
    )


@pytest.mark.parametrize(
    ("kind", "grade", "expected"),
    [
        ("primary", 3, "inpatient_record"),
        ("special", 8, "inpatient_record"),  # special education: the inpatient record at any grade
        ("junior", 8, "diagnosis"),
        ("nine_year", 6, "inpatient_record"),
        ("nine_year", 7, "diagnosis"),  # a 九年一贯制 school's grade 7 is junior high
    ],
)
def test_r12_2_illness_evidence_by_school_level_and_grade(world, semester_60, kind, grade, expected):
    school = SchoolFactory(district=world.beiguan, kind=kind, grade_from=1, grade_to=9)
    student = enrolled(school, grade=grade)
    registrar = persona(Role.REGISTRAR, school=school)
    case = suspension_start(
        actor=registrar,
        student=student,
        facts={
            "ground": "illness",
            "absence_from": "2030-03-04",
            "absence_to": "2030-05-24",
            "starts_on": "2030-03-04",
            **GUARDIAN,
        },
    )
    assert set(engine.missing_evidence(case)) == {"guardian_application", expected}


def test_r12_2_leave_for_personal_reasons_needs_the_guardians_application_and_other_a_document(
    world, semester_60
):
    personal = _suspend(world, ground="leave", days=21, cause="personal")
    assert set(engine.missing_evidence(personal)) == {"guardian_application"}
    sick = _suspend(
        world, ground="leave", days=21, cause="illness", student=enrolled(world.school_a, name="赵小西")
    )
    assert set(engine.missing_evidence(sick)) == {"guardian_application", "inpatient_record"}
    other = suspension_start(
        actor=world.registrar_a,
        student=enrolled(world.school_a, name="钱小北"),
        facts={"ground": "other", "starts_on": "2026-09-14", **GUARDIAN},
    )
    assert set(engine.missing_evidence(other)) == {"guardian_application", "supporting_document"}


# --------------------------------------------------------------------------- R12.3, R12.4


def test_r12_3_the_approver_reviews_then_the_district_approves_and_the_student_is_suspended(world):
    case = case_in_state("suspension", "open", world)
    assert (case.step_key, case.owner_school) == ("school", world.school_a)
    with pytest.raises(Exception):  # noqa: B017 - the registrar who prepared it never reviews it
        engine.case_approve(actor=world.registrar_a, case=case)
    case = advance(case)
    assert (case.step_key, case.owner_jurisdiction) == ("district", world.beiguan)
    case = advance(case)
    enrollment = Enrollment.objects.get(student=case.student, is_current=True)
    assert (case.state, enrollment.status, enrollment.school) == ("completed", "02", world.school_a)
    # R12.3: the record is kept; counted on the register, not among students in school.
    assert (
        student_selectors.enrollment_search(requested_by=world.registrar_a).filter(pk=enrollment.pk).exists()
    )
    assert enrollment.get_status_display() == "休学"


def test_r12_4_a_year_from_29_february_ends_on_28_february(world):
    case = suspension_start(
        actor=world.registrar_a,
        student=enrolled(world.school_a),
        facts={"ground": "other", "starts_on": "2028-02-29", **GUARDIAN},
    )
    assert case.facts["ends_on"] == "2029-02-28"
    case = suspension_start(
        actor=world.registrar_a,
        student=enrolled(world.school_a, name="孙小东"),
        facts={"ground": "other", "starts_on": "2027-03-01", **GUARDIAN},
    )
    assert case.facts["ends_on"] == "2028-02-29"


def test_r12_4_an_extension_runs_another_year_and_past_two_years_it_is_flagged(world):
    student = case_in_state("suspension", "completed", world).student  # 14 Sep 2026 – 13 Sep 2027
    first = extension_start(actor=world.registrar_a, student=student, facts=GUARDIAN)
    assert (first.facts["current_ends_on"], first.facts["ends_on"]) == ("2027-09-13", "2028-09-13")
    assert first.facts["over_limit"] is False and not first.facts.get("warnings")
    while first.state != "completed":
        first = advance(first)
    second = extension_start(actor=world.registrar_a, student=student, facts=GUARDIAN)
    assert second.facts["ends_on"] == "2029-09-13" and second.facts["over_limit"] is True
    assert "超过 2 年" in second.facts["warnings"][0]  # flagged to the district, never refused
    periods = list(student.status_periods.order_by("starts_on"))
    assert [(p.starts_on.isoformat(), p.ends_on.isoformat()) for p in periods] == [
        ("2026-09-14", "2027-09-13"),
        ("2027-09-14", "2028-09-13"),
    ]


# --------------------------------------------------------------------------- R12.5


def test_r12_5_resumption_by_continuity_with_a_recovery_certificate_after_illness(world, settings):
    student = case_in_state("suspension", "completed", world).student  # grade 3, for illness
    case = resumption_start(
        actor=world.registrar_a, student=student, facts={"resume_on": "2026-10-08", **GUARDIAN}
    )
    assert case.facts["requested_grade"] == case.facts["grade"] == 3 and case.facts["after_illness"] is True
    assert set(engine.missing_evidence(case)) == {"resumption_application", "recovery_certificate"}
    assert [s.key for s in case_kind_steps(case)] == ["prepare", "school", "district"]
    assert case.facts["late"] is False


def case_kind_steps(case):
    from xueji.changes.kinds.registry import kind_of

    return kind_of(case.kind).steps(case)


def test_r12_5_another_grade_needs_the_districts_decision_and_late_is_flagged_not_refused(world, settings):
    student = case_in_state("suspension", "completed", world).student
    settings.XUEJI_FIXED_TODAY = "2027-10-08"  # the suspension ended on 13 Sep 2027
    case = resumption_start(
        actor=world.registrar_a,
        student=student,
        facts={"resume_on": "2027-10-08", "requested_grade": "5", **GUARDIAN},
    )
    assert case.facts["late"] is True and "期满后复学" in case.facts["warnings"][0]
    assert [s.key for s in case_kind_steps(case)] == ["prepare", "school", "grade", "district"]
    case = advance(advance(case))
    assert case.step_key == "grade"
    case = engine.case_approve(actor=world.officer, case=case, decision={"decided_grade": "4"})
    case = advance(case)
    enrollment = Enrollment.objects.get(student=student, is_current=True)
    assert (case.state, enrollment.status, enrollment.grade, enrollment.placement_due) == (
        "completed",
        "01",
        4,
        True,
    )
    assert student.status_periods.get().closed_on == dt.date(2027, 10, 8)
    # 待分班: the registrar's to-do.
    assert enrollment in student_selectors.awaiting_class(requested_by=world.registrar_a)


def test_r12_5_a_grade_the_school_does_not_offer_is_refused(world):
    student = case_in_state("suspension", "completed", world).student
    with pytest.raises(RuleViolations) as refused:
        resumption_start(
            actor=world.registrar_a,
            student=student,
            facts={"resume_on": "2026-10-08", "requested_grade": "8", **GUARDIAN},
        )
    assert refused.value.field == "requested_grade"


# --------------------------------------------------------------------------- R12.6: the urging list


@pytest.mark.parametrize(
    ("today", "soon", "ended"),
    [("2027-08-13", 0, 0), ("2027-08-14", 1, 0), ("2027-09-13", 1, 0), ("2027-09-14", 0, 1)],
)
def test_r12_6_the_urging_list_before_on_and_after_the_end(world, settings, today, soon, ended):
    case_in_state("suspension", "completed", world)  # ends Monday 13 Sep 2027
    settings.XUEJI_FIXED_TODAY = today
    for user in (world.registrar_a, world.approver_a, world.officer):
        assert (
            student_selectors.running_periods(requested_by=user, status="02", ending_within=30).count()
            == soon
        )
        assert student_selectors.running_periods(requested_by=user, status="02", ended=True).count() == ended
    # Another district's officer sees none of it.
    assert not student_selectors.running_periods(
        requested_by=world.officer_wf, status="02", ended=True
    ).exists()


def test_r12_6_the_urging_page_lists_the_student_until_resolved_with_the_last_urging(world, settings):
    student = case_in_state("suspension", "completed", world).student
    settings.XUEJI_FIXED_TODAY = "2027-09-20"
    page = login(world.officer).get("/cases/suspension/").content.decode()
    assert student.name in page and "尚无记录" in page and "期满未复学" in page
    response = login(world.registrar_a).post(
        f"/students/{student.pk}/follow-ups/",
        {
            "kind": "urge",
            "on": "2027-09-18",
            "who": "张老师",
            "way": "phone",
            "result": "家长表示下周来办理复学",
        },
    )
    assert response.status_code == 302
    page = login(world.officer).get("/cases/suspension/").content.decode()
    assert "2027-09-18" in page and "尚无记录" not in page


def test_r12_6_xueji_daily_twice_in_one_day_changes_nothing_the_second_time(world, settings):
    case_in_state("suspension", "completed", world)
    settings.XUEJI_FIXED_TODAY = "2027-10-20"
    first, second = StringIO(), StringIO()
    call_command("daily", stdout=first)
    call_command("daily", stdout=second)
    assert "3 条休学期满提醒" in first.getvalue()
    assert "0 个逾期环节、0 件整体逾期事项；0 件草稿逾期失效；0 条休学期满提醒" in second.getvalue()


# --------------------------------------------------------------------------- R12.7


def test_r12_7_abroad_and_back_at_this_school_keeps_the_record_and_the_xjh(world):
    case = case_in_state("abroad", "completed", world)
    student = case.student
    xjh = student.xjh
    enrollment = Enrollment.objects.get(student=student, is_current=True)
    assert enrollment.status == "13" and student.status_periods.get().ends_on is None
    assert [s.key for s in case_kind_steps(case)] == ["prepare", "school"]  # the district is informed
    back = abroad_return_start(
        actor=world.registrar_a, student=student, facts={"returns_on": "2026-10-12", **GUARDIAN}
    )
    assert back.facts["proposed_grade"] == 3
    back = advance(advance(back))
    with pytest.raises(RuleViolations):  # the district decides the grade
        engine.case_approve(actor=world.officer, case=back, decision={})
    engine.case_approve(actor=world.officer, case=back, decision={"decided_grade": "3"})
    student.refresh_from_db()
    enrollment = Enrollment.objects.get(student=student, is_current=True)
    assert (student.xjh, enrollment.pk, enrollment.status, enrollment.grade) == (xjh, enrollment.pk, "01", 3)
    assert Enrollment.objects.filter(student=student).count() == 1  # no new registration


def test_r12_7_back_from_abroad_at_another_school_by_transfer_keeps_the_xjh(world):
    student = case_in_state("abroad", "completed", world).student  # at school A (北关区)
    xjh = student.xjh
    transfer_verify(requested_by=world.registrar_c, id_number=student.id_number, name=student.name)
    case = transfer_start(
        actor=world.registrar_c,
        student=student,
        facts={"grounds": "household_moved", "nature": "returning", "reason": "回国后随父母在文峰区居住"},
    )
    while case.is_open:
        case = advance(case)
    current = Enrollment.objects.get(student=student, is_current=True)
    student.refresh_from_db()
    assert (current.school, current.status, student.xjh) == (world.school_c, "01", xjh)
    assert student.status_periods.get().closed_on is not None


def test_r10_11_a_suspended_student_cannot_start_a_transfer(world):
    student = case_in_state("suspension", "completed", world).student
    transfer_verify(requested_by=world.registrar_c, id_number=student.id_number, name=student.name)
    with pytest.raises(RuleViolation) as refused:
        transfer_start(
            actor=world.registrar_c,
            student=student,
            facts={"grounds": "household_moved", "nature": "returning", "reason": "x"},
        )
    assert (refused.value.rule, refused.value.code) == ("R10.11", "suspended")


# --------------------------------------------------------------------------- pages and API


def test_r12_the_start_page_shows_the_documents_needed_and_refuses_at_the_field(world, semester_60):
    student = enrolled(world.school_a)
    registrar = login(world.registrar_a)
    page = registrar.get(f"/cases/suspension/new/?student={student.pk}").content.decode()
    assert "休学申请" in page and "监护人书面申请" in page and student.id_number not in page
    needed = registrar.get(
        f"/cases/suspension/new/?student={student.pk}&needed=1&ground=illness&absence_from=2030-03-04"
    ).json()
    assert needed == {"needed": ["监护人书面申请（签字的《休学申请表》）", "县级以上医院住院病历"]}
    response = registrar.post(
        "/cases/suspension/new/",
        {
            "student": student.pk,
            "ground": "illness",
            "absence_from": "2030-03-04",
            "absence_to": "2030-03-28",  # 19 of 60 working days
            "starts_on": "2030-03-04",
            **GUARDIAN,
        },
    )
    text = response.content.decode()
    assert response.status_code == 200 and "还差 1 个工作日" in text and said("R12.1") in text
    response = registrar.post(
        "/cases/suspension/new/",
        {"student": student.pk, "ground": "other", "starts_on": "2030-03-04", **GUARDIAN},
    )
    assert response.status_code == 302 and response["Location"].startswith("/cases/")
    # The student's page offers the cases its status allows, or the open one (R17.2).
    page = registrar.get(f"/students/{student.pk}/").content.decode()
    assert "正在办理：XX" in page


def test_r12_the_student_page_offers_what_the_status_allows(world):
    student = enrolled(world.school_a)
    page = login(world.registrar_a).get(f"/students/{student.pk}/").content.decode()
    assert "办理休学" in page and "出国（境）学习" in page and "办理复学" not in page
    assert "办理休学" not in login(world.approver_a).get(f"/students/{student.pk}/").content.decode()


def test_r12_api_start_is_201_and_a_refusal_says_how_many_days_are_missing(world, semester_60):
    student = enrolled(world.school_a)
    client = bearer(world.registrar_a)
    body = {
        "student_id": student.pk,
        "ground": "leave",
        "cause": "personal",
        "absence_from": "2030-03-04",
        "absence_to": "2030-03-29",  # 20 of 60: exactly one third, not more
        "starts_on": "2030-03-04",
        **GUARDIAN,
    }
    refused = client.post("/api/v1/cases/suspension", json.dumps(body), content_type="application/json")
    assert refused.status_code == 422 and refused.json()["rule"] == "R12.1"
    assert "还差 1 个工作日" in refused.json()["message"]
    body["absence_to"] = "2030-04-01"
    started = client.post("/api/v1/cases/suspension", json.dumps(body), content_type="application/json")
    assert started.status_code == 201
    facts = started.json()["facts"]
    assert (
        facts["kind"] == "suspension"
        and facts["ground_label"].startswith("连续请假")
        and facts["share"] == "21/60 个工作日"
    )
    other = enrolled(world.school_c)
    missing = client.post(
        "/api/v1/cases/suspension",
        json.dumps({**body, "student_id": other.pk}),
        content_type="application/json",
    )
    assert missing.status_code == 404  # another school's student: as if missing
    fresh = enrolled(world.school_a, name="周小南")
    bad = client.post(
        "/api/v1/cases/suspension",
        json.dumps({**body, "student_id": fresh.pk, "ground": "expel"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "ground"


def test_r12_openapi_enums_match_what_the_server_accepts(client):
    spec = client.get("/api/v1/openapi.json").json()
    body = spec["components"]["schemas"]["SuspensionIn"]["properties"]
    assert body["ground"]["anyOf"][0]["enum"] == ["illness", "leave", "other"]
    assert body["starts_on"]["anyOf"][0]["format"] == "date"
    assert set(School.Kind.values) >= {"junior"}


def test_r12_2_the_school_prints_the_application_form_masked_marked_and_logged(world):
    from xueji.audit.models import AuditEvent

    case = case_in_state("suspension", "open", world)
    response = login(world.approver_a).get(f"/cases/{case.pk}/print/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and case.student.id_number.encode() not in response.content
    assert AuditEvent.objects.filter(action="case.print", subject_id=str(case.pk)).count() == 1
    # A kind without a form, or another district's case: nothing to print.
    transfer = case_in_state("transfer", "draft", world)
    assert login(world.registrar_a).get(f"/cases/{transfer.pk}/print/").status_code == 404
    assert login(world.officer_wf).get(f"/cases/{case.pk}/print/").status_code == 404


def test_r12_7_students_abroad_are_on_the_list_without_an_end(world):
    case = case_in_state("abroad", "completed", world)
    rows = student_selectors.running_periods(requested_by=world.officer, status="13")
    assert [p.student_id for p in rows] == [case.student_id] and rows[0].ends_on is None
    page = login(world.registrar_a).get("/cases/suspension/").content.decode()
    assert case.student.name in page and "没有出国（境）学习的学生" not in page


def test_r12_5_the_resumption_form_asks_for_the_recovery_certificate_before_it_is_filed(world):
    # The record says the suspension was for illness: the form's list says so before saving.
    student = case_in_state("suspension", "completed", world).student
    registrar = login(world.registrar_a)
    page = registrar.get(f"/cases/resumption/new/?student={student.pk}").content.decode()
    assert "县级以上医院康复证明" in page
    needed = registrar.get(
        f"/cases/resumption/new/?student={student.pk}&needed=1&resume_on=2026-10-08"
    ).json()
    assert needed == {"needed": ["监护人复学申请（签字的《复学申请表》）", "县级以上医院康复证明"]}
