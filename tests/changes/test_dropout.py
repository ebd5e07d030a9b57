"""Dropout (R13.2, R13.3, R17.2): the written report due 5 working days from the day the school
learned of it, the street office's receipt recorded by the school, the record kept, every effort to
bring the student back on the follow-up log, and the return — here or, by transfer, elsewhere."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.changes.builders import DELIVERED, _dropout, advance, case_in_state
from tests.changes.conftest import START_EVIDENCE, attach, start
from tests.conftest import login
from xueji.changes import selectors
from xueji.changes import services as engine
from xueji.changes.models import Case
from xueji.core.errors import RuleViolation, RuleViolations
from xueji.students import selectors as student_selectors
from xueji.students import services as student_services
from xueji.students.models import Enrollment, FollowUp

pytestmark = pytest.mark.django_db


def _complete(case: Case) -> Case:
    while case.state != Case.State.COMPLETED:
        case = advance(case, decisions=DELIVERED)
    return case


def test_r13_2_the_report_is_due_on_day_5_from_the_day_learned_across_national_day(world, settings):
    # Learned Wednesday 30 Sep; 1–7 Oct are holidays, Saturday 10 Oct a working day: day 5 is
    # Tuesday 13 Oct; on Wednesday 14 Oct (day 6) it is late, flagged, never refused.
    settings.XUEJI_FIXED_TODAY = "2026-10-09"
    case = _dropout(world, learned_on="2026-09-30", last_attended_on="2026-09-25")
    assert (case.step_started_on, case.step_due) == (dt.date(2026, 9, 30), dt.date(2026, 10, 13))
    settings.XUEJI_FIXED_TODAY = "2026-10-13"
    assert engine.cases_flag_overdue() == 0
    settings.XUEJI_FIXED_TODAY = "2026-10-14"
    assert selectors.inbox(requested_by=world.registrar_a)[0].late
    assert engine.cases_flag_overdue() == 1
    case = advance(Case.objects.get(pk=case.pk))
    assert case.state == "open" and case.step_due == dt.date(2026, 10, 13)  # the school's steps share it


def test_r13_2_the_school_records_the_street_offices_receipt_before_the_district_confirms(world):
    case = case_in_state("dropout", "open", world, step="township")
    assert selectors.owner_label(case, selectors.current_step(case)) == (
        "北关区红旗路街道办事处（由北关区红旗路小学登记）"
    )
    assert case in [t.case for t in selectors.inbox(requested_by=world.registrar_a)]
    with pytest.raises(RuleViolation) as refused:
        engine.case_approve(actor=world.registrar_a, case=case, decision=DELIVERED["township"])
    assert refused.value.code == "evidence_missing"
    attach(case, world.registrar_a, "township_receipt")
    with pytest.raises(RuleViolation) as refused:
        engine.case_approve(actor=world.registrar_a, case=case, decision={})
    assert refused.value.code == "decision_required"
    case = engine.case_approve(actor=world.registrar_a, case=case, decision=DELIVERED["township"])
    assert case.step_key == "district" and case.facts["township_delivery"] == "in_person"


def test_r13_3_a_migrant_workers_child_needs_the_household_registration_place(world):
    with pytest.raises((RuleViolation, RuleViolations)) as refused:
        _dropout(world, migrant=True)
    violations = getattr(refused.value, "violations", [refused.value])
    assert [(v.rule, v.field) for v in violations] == [("R13.3", "hukou_place")]
    assert _dropout(world, migrant=True, hukou_place="河南省濮阳市范县").facts["migrant"] is True


def test_r13_2_dropped_out_the_record_is_kept_and_efforts_are_listed_until_one_is_logged(world, settings):
    case = _complete(_dropout(world))
    student = case.student
    enrollment = Enrollment.objects.get(student=student, is_current=True)
    assert enrollment.get_status_display() == "辍学" and student.xjh
    period = student.status_periods.get(closed_on__isnull=True)
    assert (period.status, period.starts_on) == ("06", dt.date(2026, 9, 5))  # the day after the last
    for user in (world.registrar_a, world.officer):
        assert [p.student for p in student_selectors.dropouts_without_recent_effort(requested_by=user)] == [
            student
        ]
    assert not student_selectors.dropouts_without_recent_effort(requested_by=world.registrar_c).exists()
    student_services.follow_up_record(
        actor=world.registrar_a,
        student=student,
        kind=FollowUp.Kind.URGE,
        on=dt.date(2026, 9, 10),
        who="班主任",
        way=FollowUp.Way.VISIT,
        result="家访劝返，家长同意考虑",
    )
    assert not student_selectors.dropouts_without_recent_effort(requested_by=world.registrar_a).exists()
    settings.XUEJI_FIXED_TODAY = "2026-10-11"  # 31 days after the last effort
    assert student_selectors.dropouts_without_recent_effort(requested_by=world.registrar_a).count() == 1
    page = login(world.registrar_a).get("/cases/dropout/")
    assert page.status_code == 200 and student.name in page.content.decode()
    assert login(world.admin).get("/cases/dropout/").status_code in (403, 404)


def test_r13_2_back_at_this_school_the_same_record_is_in_school_again(world):
    case = _complete(case_in_state("dropout_return", "draft", world))
    enrollment = Enrollment.objects.get(student=case.student, is_current=True)
    assert (enrollment.status, enrollment.grade, enrollment.placement_due) == ("01", 3, True)
    assert not case.student.status_periods.filter(closed_on__isnull=True).exists()


def test_r13_2_back_at_another_school_by_a_transfer_from_the_dropout_status(world, student_c, approver_c):
    from xueji.changes.kinds.dropout.services import dropout_start

    facts = {
        "learned_on": "2026-09-08",
        "last_attended_on": "2026-09-04",
        "circumstances": "连续多日未到校",
        "measures": "家访",
        "township": "文峰区东关街道办事处",
    }
    _complete(dropout_start(actor=world.registrar_c, student=student_c, facts=facts))
    assert Enrollment.objects.get(student=student_c, is_current=True).status == "06"
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    case = engine.case_submit(actor=world.registrar_a, case=case)
    for actor in (world.officer, world.approver_a, world.officer, approver_c, world.officer_wf):
        case = engine.case_approve(actor=actor, case=case)
    current = Enrollment.objects.get(student=student_c, is_current=True)
    assert (current.school, current.status) == (world.school_a, "01")
    assert not student_c.status_periods.filter(closed_on__isnull=True).exists()


def test_r17_2_a_dropout_report_withdraws_the_students_open_suspension(world):
    suspension = case_in_state("suspension", "open", world)
    _dropout(world, student=suspension.student)
    suspension.refresh_from_db()
    assert suspension.state == "withdrawn"


def test_r13_2_the_written_reports_print_for_the_street_office_and_the_district(world):
    from xueji.audit.models import AuditEvent

    case = case_in_state("dropout", "open", world, step="township")
    client = login(world.registrar_a)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "打印《关于学生辍学情况的报告》（报乡镇（街道））" in page
    assert "打印《关于学生辍学情况的报告》（报区教育局）" in page
    for key in ("township", "district"):
        response = client.get(f"/cases/{case.pk}/letters/{key}/")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF") and response.content.rstrip().endswith(b"%%EOF")
    assert AuditEvent.objects.filter(action="case.print", subject_id=str(case.pk)).count() == 2
    assert client.get(f"/cases/{case.pk}/letters/nonsense/").status_code == 404
    other = case_in_state("suspension", "draft", world)
    assert client.get(f"/cases/{other.pk}/letters/township/").status_code == 404
    assert login(world.registrar_b).get(f"/cases/{case.pk}/letters/township/").status_code == 404


def test_r13_2_the_report_names_the_student_masked_and_the_family_address_for_the_street_office(world):
    from xueji.changes.kinds.dropout.kind import LETTERS

    case = _dropout(world, migrant=True, hukou_place="河南省濮阳市范县")
    enrollment = Enrollment.objects.get(student=case.student, is_current=True)
    township, district = (" ".join(letter.paragraphs(case, enrollment)) for letter in LETTERS)
    student = case.student
    for text in (township, district):
        assert student.name in text and student.id_number not in text and student.id_number[-4:] in text
        assert "户籍所在地为河南省濮阳市范县" in text and "第十三条" in text
    address = student.current_address or student.home_address
    assert (address in township) and (not address or address not in district)
    assert LETTERS[0].recipient(case) == "北关区红旗路街道办事处"
    assert LETTERS[1].recipient(case) == "北关区教育局"


def test_r13_3_a_migrant_childs_dropout_is_listed_until_the_household_place_is_contacted(world):
    from xueji.changes.kinds.dropout.views import migrant_without_contact

    migrant = _complete(_dropout(world, migrant=True, hukou_place="河南省濮阳市范县")).student
    _complete(_dropout(world))  # not a migrant worker's child
    assert [p.student for p in migrant_without_contact(world.officer)] == [migrant]
    page = login(world.registrar_a).get("/cases/dropout/").content.decode()
    assert "随迁子女尚未联系户籍地" in page
    student_services.follow_up_record(
        actor=world.officer,
        student=migrant,
        kind=FollowUp.Kind.HOUSEHOLD_PLACE,
        on=dt.date(2026, 9, 10),
        who="区教育局学籍科",
        way=FollowUp.Way.PHONE,
        result="已电话联系范县教育局，请其协助督促返校",
    )
    assert not migrant_without_contact(world.officer).exists()


@pytest.mark.parametrize(
    ("delivered_on", "code"),
    [("2026-09-11", "delivered_in_future"), ("2026-09-07", "delivered_before_learned"), ("2026-09-08", None)],
)
def test_r13_2_the_delivery_date_lies_between_the_day_learned_and_today(world, delivered_on, code):
    case = case_in_state("dropout", "open", world, step="township")
    attach(case, world.registrar_a, "township_receipt")
    decision = {"township_delivered_on": delivered_on, "township_delivery": "post"}
    if code is None:
        assert (
            engine.case_approve(actor=world.registrar_a, case=case, decision=decision).step_key == "district"
        )
        return
    with pytest.raises((RuleViolation, RuleViolations)) as refused:
        engine.case_approve(actor=world.registrar_a, case=case, decision=decision)
    assert [v.code for v in getattr(refused.value, "violations", [refused.value])] == [code]
    assert Case.objects.get(pk=case.pk).step_key == "township"


def test_r13_2_recording_the_delivery_on_the_page_says_what_was_done(world):
    case = case_in_state("dropout", "open", world, step="township")
    client = login(world.registrar_a)
    page = client.post(
        f"/cases/{case.pk}/approve/", {"township_delivered_on": "2026-09-09"}, follow=True
    ).content.decode()
    assert "还缺少佐证材料" in page
    attach(case, world.registrar_a, "township_receipt")
    page = client.post(
        f"/cases/{case.pk}/approve/", {"township_delivered_on": "2026-09-09"}, follow=True
    ).content.decode()
    assert "请选择送达方式" in page
    body = {"township_delivered_on": "2026-09-09", "township_delivery": "in_person"}
    page = client.post(f"/cases/{case.pk}/approve/", body, follow=True).content.decode()
    assert "已办理：登记已送达。" in page and "区教育局书面确认" in page
    response = client.get(f"/cases/{case.pk}/letters/township/")
    assert "%EF%BC%88%E6%8A%A5" in response["Content-Disposition"]  # （报…） in the file name


def test_r13_2_the_street_offices_receipt_is_recorded_or_sent_back_never_rejected(world):
    case = case_in_state("dropout", "open", world, step="township")
    assert "reject" not in selectors.case_actions(requested_by=world.registrar_a, case=case)
    with pytest.raises(RuleViolation) as refused:
        engine.case_reject(actor=world.registrar_a, case=case, reason="街道办拒收")
    assert refused.value.code == "not_rejectable"
    case = engine.case_return(actor=world.approver_a, case=case, comment="报告中住址有误")
    assert case.state == "returned"
