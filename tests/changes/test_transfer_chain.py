"""The transfer driven step by step through the services (R10.2–R10.10)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.changes.conftest import START_EVIDENCE, attach, pupil, start
from tests.conftest import login
from xueji.audit.models import AuditEvent
from xueji.changes import services as engine
from xueji.changes.kinds.transfer.services import transfer_grant_exception, transfer_verify
from xueji.changes.models import Case, CaseEvent
from xueji.core.errors import Conflict, RuleViolation
from xueji.org.models import School
from xueji.students.models import ArchiveSnapshot, Enrollment


def test_r10_3_verification_needs_number_and_name_and_returns_only_what_is_needed(world, student_c):
    found = transfer_verify(requested_by=world.registrar_a, id_number=student_c.id_number, name="陈小北")
    assert found.school == "文峰区东关小学" and found.grade == 3 and found.status == "在读"
    assert found.masked_id == f"{student_c.id_number[:6]}********{student_c.id_number[-4:]}"
    assert (
        transfer_verify(requested_by=world.registrar_a, id_number=student_c.id_number, name="陈小南") is None
    )
    assert AuditEvent.objects.filter(action="transfer.verify").count() == 2


def test_r10_5_full_chain_across_two_districts(world, student_c, approver_c):
    case = start(world, student_c)
    assert (case.state, case.step_key, case.owner_school) == ("draft", "prepare", world.school_a)
    assert case.facts["grade"] == 3 and case.facts["scope"] == "intra_province"

    with pytest.raises(RuleViolation) as refused:
        engine.case_submit(actor=world.registrar_a, case=case)
    assert refused.value.code == "evidence_missing" and "户籍迁移证明" in refused.value.message
    attach(case, world.registrar_a, *START_EVIDENCE)
    case = engine.case_submit(actor=world.registrar_a, case=case)
    # Thursday 10 Sep: filed in the batch of Tuesday 15 Sep (R10.4).
    assert (case.state, case.step_key, case.owner_jurisdiction) == ("open", "filing", world.beiguan)
    assert case.step_due == dt.date(2026, 9, 15)

    chain = [
        (world.officer, "in_school", world.school_a, None),
        (world.approver_a, "in_bureau", None, world.beiguan),
        (world.officer, "out_school", world.school_c, None),
        (approver_c, "out_bureau", None, world.wenfeng),
    ]
    for actor, next_step, school, bureau in chain:
        case = engine.case_approve(actor=actor, case=case, comment="同意")
        assert (case.step_key, case.owner_school, case.owner_jurisdiction) == (next_step, school, bureau)
        assert case.step_due == dt.date(2026, 9, 23)  # 10 working days after Thu 10 Sep; Sun 20 Sep works
    case = engine.case_approve(actor=world.officer_wf, case=case, comment="同意转出")
    assert case.state == "completed"

    # R10.10: the enrollment moved in the same transaction; the old one stays, closed.
    current = Enrollment.objects.get(student=student_c, is_current=True)
    assert current.gender == student_c.gender  # the statistics' copy moves with the record
    assert (current.school, current.grade, current.origin, current.school_class) == (
        world.school_a,
        3,
        "transfer",
        None,
    )
    old = Enrollment.objects.get(student=student_c, is_current=False)
    assert (old.school, old.status) == (world.school_c, Enrollment.Status.TRANSFERRED_OUT)
    actions = list(case.events.values_list("action", flat=True))
    assert actions[0] == "start" and actions[-1] == "complete" and actions.count("approve") == 5
    # R8.1: the old school keeps a read-only, checksummed copy of the record as it left.
    snapshot = ArchiveSnapshot.objects.get(pk=Case.objects.get(pk=case.pk).facts["archive_id"])
    assert len(snapshot.sha256) == 64 and ["学校", "文峰区东关小学"] in snapshot.content["enrollment"]
    assert snapshot.school.name == "文峰区东关小学" and "snapshot" not in case.facts
    page = login(world.registrar_c).get(f"/cases/{case.pk}/").content.decode()
    assert "只读备份" in page and student_c.id_number not in page
    assert student_c.id_number[:6] + "********" in page
    assert AuditEvent.objects.filter(subject_type="Case", action="transfer.approve").count() == 5


def test_r10_5_one_bureau_for_both_schools_acts_once_and_last(world):
    other = School.objects.create(
        code="4105030009",
        name="北关区解放路小学",
        district=world.beiguan,
        kind="primary",
        grade_from=1,
        grade_to=6,
    )
    from tests.conftest import _user
    from xueji.org.models import Role

    reg = _user("reg_x", Role.REGISTRAR, school=other)
    appr = _user("appr_x", Role.SCHOOL_APPROVER, school=other)
    student = pupil(world, school=other, registrar=reg)
    case = start(world, student)
    assert [s.key for s in engine.kind_of("transfer").steps(case)] == [
        "prepare",
        "filing",
        "in_school",
        "out_school",
        "bureau",
    ]
    attach(case, world.registrar_a, *START_EVIDENCE)
    # R10.9: between two Beiguan schools only with the district's recorded exception.
    with pytest.raises(RuleViolation) as refused:
        engine.case_submit(actor=world.registrar_a, case=case)
    assert refused.value.rule == "R10.9"
    with pytest.raises(RuleViolation):
        transfer_grant_exception(actor=world.officer, case=case, reason="  ")
    transfer_grant_exception(actor=world.officer, case=case, reason="监护人重病，需就近照顾")
    case = engine.case_submit(actor=world.registrar_a, case=case)
    for actor in (world.officer, world.approver_a, appr, world.officer):
        case = engine.case_approve(actor=actor, case=case)
    assert case.state == "completed"


def test_r10_8_a_school_cannot_start_its_own_students_transfer(world):
    own = pupil(world, school=world.school_a, registrar=world.registrar_a)
    with pytest.raises(RuleViolation) as refused:
        start(world, own)
    assert refused.value.rule == "R10.8"


def test_r10_2_only_a_registrar_starts(world, student_c):
    from xueji.changes.kinds.transfer.services import transfer_start

    for persona in (world.approver_a, world.officer):
        with pytest.raises(PermissionDenied):
            transfer_start(actor=persona, student=student_c, facts={})


def test_r10_11_suspended_student_cannot_transfer(world, student_c):
    Enrollment.objects.filter(student=student_c).update(status=Enrollment.Status.SUSPENDED)
    with pytest.raises(RuleViolation) as refused:
        start(world, student_c)
    assert (refused.value.rule, refused.value.code) == ("R10.11", "suspended")


def test_r10_10_second_open_case_is_a_conflict(world, student_c):
    start(world, student_c)
    with pytest.raises(Conflict) as refused:
        start(world, student_c)
    assert refused.value.status == 409 and "ZX2026" in refused.value.message


def test_r10_10_after_withdrawal_a_new_case_may_start(world, student_c):
    case = start(world, student_c)
    with pytest.raises(PermissionDenied):
        engine.case_withdraw(actor=world.registrar_c, case=case, reason="x")
    engine.case_withdraw(actor=world.registrar_a, case=case, reason="家长改变主意")
    assert start(world, student_c).state == "draft"


def test_r10_3_full_grade_is_refused(world, student_c):
    capacity = world.school_a.capacities.get(grade=3)
    capacity.classes, capacity.seats_per_class = 1, 1
    capacity.save()
    pupil(world, school=world.school_a, registrar=world.registrar_a, birth=dt.date(2018, 5, 5), name="占位生")
    with pytest.raises(RuleViolation) as refused:
        start(world, student_c)
    assert (refused.value.rule, refused.value.code) == ("R10.3", "grade_full")


@pytest.mark.parametrize(("today", "allowed"), [("2026-11-01", True), ("2026-11-02", False)])
def test_r10_7_two_month_window_last_day(world, student_c, settings, today, allowed):
    """Outside the window a transfer can be prepared but not filed without the district's
    exception; the refusal says when the next window opens (the spring term, 24 Feb 2027)."""
    settings.XUEJI_FIXED_TODAY = today
    case = start(world, student_c)
    assert case.state == "draft" and bool(case.facts.get("outside_window")) is not allowed
    attach(case, world.registrar_a, *START_EVIDENCE)
    if allowed:
        assert engine.case_submit(actor=world.registrar_a, case=case).step_key == "filing"
        return
    with pytest.raises(RuleViolation) as refused:
        engine.case_submit(actor=world.registrar_a, case=case)
    assert refused.value.rule == "R10.7"
    assert "2027年02月24日至2027年04月24日" in refused.value.message
    with pytest.raises(PermissionDenied):  # only the district records the exception
        transfer_grant_exception(actor=world.approver_a, case=case, reason="学期中随迁")
    transfer_grant_exception(actor=world.officer, case=case, reason="监护人工作调动，学期中随迁")
    assert engine.case_submit(actor=world.registrar_a, case=case).step_key == "filing"


def test_r10_5_reject_needs_a_reason_and_closes_the_case(world, student_c):
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    case = engine.case_submit(actor=world.registrar_a, case=case)
    with pytest.raises(RuleViolation):
        engine.case_reject(actor=world.officer, case=case, reason="")
    with pytest.raises(PermissionDenied):
        engine.case_reject(actor=world.officer_wf, case=case, reason="不是你的环节")
    case = engine.case_reject(actor=world.officer, case=case, reason="材料不实")
    assert case.state == "rejected" and not case.is_open


def test_r10_5_return_for_correction_goes_back_to_the_school(world, student_c):
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    case = engine.case_submit(actor=world.registrar_a, case=case)
    case = engine.case_return(actor=world.officer, case=case, comment="请补充户口簿首页")
    assert (case.state, case.step_key, case.owner_school) == ("returned", "prepare", world.school_a)
    case = engine.case_submit(actor=world.registrar_a, case=case)
    assert case.step_key == "filing"


def test_r10_6_no_record_certificate_is_ever_required(world, student_c):
    case = start(world, student_c)
    required = engine.missing_evidence(case)
    assert required and not any("学籍证明" in label for label in required.values())


def test_r10_4_a_holiday_tuesday_moves_the_filing_to_the_next_working_day(world, student_c, settings):
    settings.XUEJI_FIXED_TODAY = "2026-09-30"  # Wednesday; Tuesday 6 Oct is National Day
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    case = engine.case_submit(actor=world.registrar_a, case=case)
    assert case.step_due == dt.date(2026, 10, 8)


def test_r10_7_day_10_in_time_day_11_flagged_across_national_day(world, student_c, settings):
    settings.XUEJI_FIXED_TODAY = "2026-09-18"
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    case = engine.case_submit(actor=world.registrar_a, case=case)
    case = engine.case_approve(actor=world.officer, case=case)  # in_school starts Fri 18 Sep
    assert case.step_due == dt.date(2026, 10, 9)  # the working Sunday 20 Sep counts
    assert engine.cases_flag_overdue(today=dt.date(2026, 10, 9)) == 0
    assert engine.cases_flag_overdue(today=dt.date(2026, 10, 10)) == 1
    case.refresh_from_db()
    assert case.is_overdue and case.events.filter(action=CaseEvent.Action.OVERDUE).count() == 1
    assert engine.cases_flag_overdue(today=dt.date(2026, 10, 12)) == 0  # flagged once


def test_r10_7_a_transfer_started_on_24_december_works_with_the_unknown_2027_calendar(world, settings):
    settings.XUEJI_FIXED_TODAY = "2026-12-24"
    external = {"name": "孙小东", "province": "山东省", "school": "济南市历下区实验小学", "grade": "4"}
    from xueji.changes.kinds.transfer.services import transfer_start

    case = transfer_start(actor=world.registrar_a, student=None, facts={**_facts(), "external": external})
    attach(case, world.registrar_a, *MIGRANT_EVIDENCE)
    case = engine.case_submit(actor=world.registrar_a, case=case)
    assert case.step_due == dt.date(2026, 12, 29)
    settings.XUEJI_FIXED_TODAY = "2026-12-29"
    case = engine.case_approve(actor=world.officer, case=case)
    assert case.step_key == "in_school" and case.due_provisional
    assert case.step_due == dt.date(2027, 1, 12)  # Monday–Friday until 2027 is entered
    warning = AuditEvent.objects.filter(action="transfer.approve").latest("pk").note
    assert "2027" in warning


def test_external_cross_province_case_needs_the_officers_recorded_confirmation(world):
    from xueji.changes.kinds.transfer.services import transfer_start

    external = {"name": "孙小东", "province": "山东省", "school": "济南市历下区实验小学", "grade": "4"}
    case = transfer_start(actor=world.registrar_a, student=None, facts={**_facts(), "external": external})
    assert [s.key for s in engine.kind_of("transfer").steps(case)][-1] == "external"
    attach(case, world.registrar_a, *MIGRANT_EVIDENCE)
    case = engine.case_submit(actor=world.registrar_a, case=case)
    for actor in (world.officer, world.approver_a, world.officer):
        case = engine.case_approve(actor=actor, case=case)
    with pytest.raises(RuleViolation) as refused:
        engine.case_approve(actor=world.officer, case=case)
    assert refused.value.code == "evidence_missing"
    attach(case, world.officer, "external_confirmation")
    assert engine.case_approve(actor=world.officer, case=case).state == "completed"
    assert Case.objects.get(pk=case.pk).student is None


MIGRANT_EVIDENCE = ("transfer_application", "residence_proof", "parents_work_proof")


def _facts():
    return {
        "grounds": "migrant_child",
        "nature": "migrant",
        "reason": "父母来安阳务工",
        "scope": "cross_province",
    }


def test_r10_7_loading_the_2027_schedule_recounts_a_provisional_due_date(world, settings):
    from xueji.org.calendar_services import calendar_year_load

    settings.XUEJI_FIXED_TODAY = "2026-12-24"
    external = {"name": "孙小东", "province": "山东省", "school": "济南市历下区实验小学", "grade": "4"}
    from xueji.changes.kinds.transfer.services import transfer_start

    case = transfer_start(actor=world.registrar_a, student=None, facts={**_facts(), "external": external})
    attach(case, world.registrar_a, *MIGRANT_EVIDENCE)
    case = engine.case_submit(actor=world.registrar_a, case=case)
    settings.XUEJI_FIXED_TODAY = "2026-12-29"
    case = engine.case_approve(actor=world.officer, case=case)
    assert (case.step_due, case.due_provisional) == (dt.date(2027, 1, 12), True)
    assert case.case_due == dt.date(2027, 1, 12)  # the whole online phase, from the same approval
    rows = [(dt.date(2027, 1, 1), "holiday", "元旦"), (dt.date(2027, 1, 4), "holiday", "假设的调休")]
    calendar_year_load(actor=world.admin, year=2027, rows=rows, jurisdiction=None, source="测试")
    case.refresh_from_db()
    assert (case.step_due, case.due_provisional) == (dt.date(2027, 1, 14), False)  # two holidays more
    assert case.case_due == dt.date(2027, 1, 14)


@pytest.mark.parametrize("record_moves", [True, False])
def test_r11_1_special_school_transfer_records_whether_the_record_moves(
    world, student_c, approver_c, record_moves
):
    from tests.conftest import _user
    from xueji.org.models import Role

    special = School.objects.create(
        code="4105034009",
        name="北关区特殊教育学校",
        district=world.beiguan,
        kind="special",
        grade_from=1,
        grade_to=9,
    )
    registrar = _user("reg_sp", Role.REGISTRAR, school=special)
    approver = _user("appr_sp", Role.SCHOOL_APPROVER, school=special)
    from xueji.changes.kinds.transfer.services import transfer_start

    facts = {"grounds": "household_moved", "nature": "returning", "reason": "随班就读转入特教学校"}
    with pytest.raises(RuleViolation) as refused:
        transfer_start(actor=registrar, student=student_c, facts=facts)
    assert refused.value.rule == "R11.1"
    case = transfer_start(actor=registrar, student=student_c, facts={**facts, "record_moves": record_moves})
    attach(case, registrar, *START_EVIDENCE)
    case = engine.case_submit(actor=registrar, case=case)
    for actor in (world.officer, approver, world.officer, approver_c, world.officer_wf):
        case = engine.case_approve(actor=actor, case=case)
    assert case.state == "completed" and case.facts["record_moves"] is record_moves
    current = Enrollment.objects.get(student=student_c, is_current=True)
    assert current.school == (special if record_moves else world.school_c)


# --------------------------------------------------------------------------- parties outside the deployment


def test_r10_8_a_transfer_out_of_the_deployment_needs_the_receiving_platforms_request(world):
    from tests.factories import enrolled
    from xueji.changes.kinds.transfer_out.services import transfer_out_start
    from xueji.core.errors import RuleViolations

    student = enrolled(world.school_a, grade=3, name="吴小西")
    with pytest.raises(RuleViolations) as refused:
        transfer_out_start(actor=world.registrar_a, student=student, facts={"reason": "家长要求转走"})
    assert refused.value.rule == "R10.8" and "学校不得为本校学生办理转出" in refused.value.message
    assert {v.field for v in refused.value.violations} >= {"platform_request", "to_school"}
    case = transfer_out_start(
        actor=world.registrar_a,
        student=student,
        facts={
            "platform_request": "HB2026-0001",
            "to_province": "河南省",
            "to_school": "郑州市金水区文化路小学",
            "requested_on": "2026-09-08",
        },
    )
    assert (
        case.facts["scope"] == "intra_province" and case.counterpart if hasattr(case, "counterpart") else True
    )
    assert [s.key for s in engine.kind_of("transfer_out").steps(case)] == [
        "prepare",
        "out_school",
        "out_bureau",
    ]


def test_r10_5_a_cross_province_transfer_between_two_schools_here_passes_the_provincial_exchange(world):
    from tests.changes.builders import advance
    from tests.factories import enrolled, persona
    from xueji.changes.kinds.transfer.services import transfer_start, transfer_verify
    from xueji.org.models import Jurisdiction, Role

    hebei = Jurisdiction.objects.create(code="130000", name="河北省", level="province")
    handan = Jurisdiction.objects.create(code="130400", name="邯郸市", level="city", parent=hebei)
    district = Jurisdiction.objects.create(code="130402", name="邯山区", level="district", parent=handan)
    school = School.objects.create(
        code="1304020001", name="邯山区实验小学", district=district, kind="primary", grade_from=1, grade_to=6
    )
    student = enrolled(school, grade=3, name="郑小北")
    transfer_verify(requested_by=world.registrar_a, id_number=student.id_number, name=student.name)
    case = transfer_start(
        actor=world.registrar_a,
        student=student,
        facts={"grounds": "household_moved", "nature": "returning", "reason": "随父母户籍迁入北关区"},
    )
    assert case.facts["scope"] == "cross_province" and "outside_window" not in case.facts
    keys = [s.key for s in engine.kind_of("transfer").steps(case)]
    assert keys == ["prepare", "filing", "in_school", "in_bureau", "exchange", "out_school", "out_bureau"]
    while case.step_key != "exchange":
        case = advance(case)
    assert case.owner_jurisdiction == world.beiguan  # the district records the exchange
    assert engine.missing_evidence(case) == {"exchange_confirmation": "省级平台跨省交换确认材料"}
    assert persona(Role.SCHOOL_APPROVER, school=school)
    while case.is_open:
        case = advance(case)
    assert case.state == "completed"
