"""Information changes (R9.1): the guardian's request with proof, the school's review, the district's
approval for key information; a changed ID number checked again (R6.2, R6.3); the G number kept or
obtained (R6.4); the change applied through the one writer with history and audit; the evidence
filed in category (二) (R17.1); running beside a status-changing case (R17.2). And the direct edit
that is left: blank fields (R5.1) and the district's short list (R9.1 Decision)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.changes.builders import attach_missing
from tests.conftest import login
from tests.factories import enrolled, enrollment_payload, make_id, student_payload
from xueji.audit.models import AuditEvent
from xueji.changes import services as engine
from xueji.changes.kinds.information.services import information_start
from xueji.changes.kinds.registry import kind_of
from xueji.changes.kinds.suspension.services import suspension_start
from xueji.core.errors import Conflict, RuleViolation
from xueji.core.identity import mask_xjh
from xueji.org.policy import policy_set
from xueji.students import selectors
from xueji.students.models import Enrollment, Evidence, Student, XjhAlias
from xueji.students.services import student_import_existing, student_register, student_update

pytestmark = pytest.mark.django_db
GUARDIAN = {"proof": "household", "reason": "登记时录入错误，以户口簿为准", "guardian_name": "王建国"}
BIRTH = dt.date(2020, 3, 15)  # a first-grader registered new (no ID: a J number)


def request(world, student, actor=None, **changes):
    return information_start(
        actor=actor or world.registrar_a, student=student, facts={"changes": changes, **GUARDIAN}
    )


def through(world, case, *, until: str = ""):
    """Attach what each step needs, submit, approve step by step until ``until`` (or the end)."""
    attach_missing(case, world.registrar_a)
    case = engine.case_submit(actor=world.registrar_a, case=case)
    while case.state == "open" and case.step_key != until:
        actor = world.approver_a if case.step_key == "school" else world.officer
        case = engine.case_approve(actor=actor, case=case, comment="证明材料核对无误")
    return case


def refusals(error):
    return [(v.rule, v.code, v.field) for v in getattr(error, "violations", [error])]


@pytest.fixture
def pupil(world):
    return enrolled(world.school_a, grade=3)


# --------------------------------------------------------------------------- the two paths


def test_r9_1_a_non_key_change_takes_effect_on_the_schools_approval(world, pupil):
    case = request(world, pupil, household_type="农业户口")
    assert [s.key for s in kind_of("information").steps(case)] == ["prepare", "school"]
    assert case.facts["key_change"] is False and case.facts["lines"] == ["户口性质：非农业户口 → 农业户口"]
    case = through(world, case)
    pupil.refresh_from_db()
    assert (case.state, pupil.household_type) == ("completed", "1")
    event = AuditEvent.objects.get(action="student.information_change")
    assert (event.actor, event.note, event.rules) == (world.approver_a, case.number, ["R9.1"])
    assert event.changes == {"household_type": ["非农业户口", "农业户口"]}
    change = next(
        c
        for c in selectors.student_history(requested_by=world.registrar_a, student=pupil)
        if c.field == "户口性质"
    )
    assert (change.user, change.old, change.new) == ("李校长", "非农业户口", "农业户口")  # names, never codes


def test_r9_1_key_information_goes_on_to_the_district_and_changes_only_then(world, pupil):
    case = request(world, pupil, name="陈晓北")
    assert case.facts["key_change"] is True
    case = through(world, case, until="district")
    pupil.refresh_from_db()
    assert (case.step_key, pupil.name) == ("district", "陈小北")  # the school's approval is not enough
    case = engine.case_approve(actor=world.officer, case=case)
    pupil.refresh_from_db()
    assert (case.state, pupil.name) == ("completed", "陈晓北")
    assert AuditEvent.objects.get(action="student.information_change").actor == world.officer


@pytest.mark.parametrize("field", ["name", "gender", "birth_date", "id_type", "id_number", "ethnicity"])
def test_r9_1_each_key_field_makes_a_key_change(world, field):
    pupil = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(BIRTH, id_type="Z", id_number=""),
        enrollment=enrollment_payload(),
    )
    new = {
        "name": "王晓明",
        "gender": "女",
        "birth_date": "2020-03-16",
        "id_type": "1",
        "id_number": make_id(BIRTH),
        "ethnicity": "回族",
    }[field]
    changes = {field: new}
    if field in ("id_type", "id_number"):
        changes = {"id_type": "1", "id_number": make_id(BIRTH)}
    case = request(world, pupil, **changes)
    assert case.facts["key_change"] is True
    assert [s.key for s in kind_of("information").steps(case)] == ["prepare", "school", "district"]


def test_r9_1_the_school_approver_not_the_registrar_reviews(world, pupil):
    case = request(world, pupil, household_type="农业户口")
    attach_missing(case, world.registrar_a)
    case = engine.case_submit(actor=world.registrar_a, case=case)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        engine.case_approve(actor=world.registrar_a, case=case)


def test_r9_1_the_request_needs_the_signed_form_and_the_chosen_proof(world, pupil):
    case = request(world, pupil, household_type="农业户口")
    assert set(engine.missing_evidence(case)) == {"guardian_application", "household"}
    with pytest.raises(RuleViolation) as refused:
        engine.case_submit(actor=world.registrar_a, case=case)
    assert (refused.value.rule, refused.value.code) == ("R9.1", "evidence_missing")
    police = information_start(
        actor=world.registrar_a,
        student=enrolled(world.school_a, name="李小南", birth=dt.date(2017, 5, 5)),
        facts={"changes": {"health": "一般或较弱"}, **GUARDIAN, "proof": "police"},
    )
    assert set(engine.missing_evidence(police)) == {"guardian_application", "police"}


def test_r9_1_r17_1_the_requests_documents_join_the_students_evidence(world, pupil):
    case = through(world, request(world, pupil, household_type="农业户口"))
    filed = Evidence.objects.filter(student=pupil, reference=case.number)
    assert filed.count() == 2 and {e.category for e in filed} == {Evidence.Category.CASE}
    assert all(e.description.startswith(f"信息变更 {case.number}") for e in filed)


def test_r9_1_a_rejected_or_withdrawn_request_changes_nothing(world, pupil):
    case = through(world, request(world, pupil, name="陈晓北"), until="district")
    engine.case_reject(actor=world.officer, case=case, reason="证明材料与申请不符")
    pupil.refresh_from_db()
    assert (
        pupil.name == "陈小北" and not AuditEvent.objects.filter(action="student.information_change").exists()
    )


# --------------------------------------------------------------------------- what is asked


def test_r9_1_an_empty_or_unchanged_request_is_refused(world, pupil):
    with pytest.raises(RuleViolation) as refused:
        request(world, pupil)
    assert refusals(refused.value) == [("R9.1", "nothing_to_change", "changes")]
    with pytest.raises(RuleViolation) as refused:
        request(world, pupil, name=pupil.name, household_type="非农业户口")
    assert refusals(refused.value) == [("R9.1", "same_values", "changes")]


def test_r9_1_every_new_value_is_validated_and_every_refusal_given_at_once(world, pupil):
    with pytest.raises(RuleViolation) as refused:
        information_start(
            actor=world.registrar_a,
            student=pupil,
            facts={"changes": {"name": "Wang<script>", "phone": "123", "ethnicity": "火星族"}, "proof": ""},
        )
    found = {(code, field) for _rule, code, field in refusals(refused.value)}
    assert {"name", "phone", "ethnicity", "proof", "reason", "guardian_name"} <= {f for _c, f in found}


def test_r6_3_a_new_id_number_must_agree_with_the_birth_date_and_gender(world, pupil):
    other_birth = make_id(dt.date(2017, 4, 2))
    with pytest.raises(RuleViolation) as refused:
        request(world, pupil, id_number=other_birth)
    assert refusals(refused.value)[0][2] in ("id_number", "birth_date")
    assert not Student.objects.filter(id_number=other_birth).exists()
    with pytest.raises(RuleViolation):
        request(world, pupil, id_number=pupil.id_number[:-1] + ("0" if pupil.id_number[-1] != "0" else "1"))
    # The ID number and the birth date corrected together agree.
    case = request(world, pupil, id_number=other_birth, birth_date="2017-04-02")
    assert case.facts["diff"]["birth_date"] == ["2017-04-01", "2017-04-02"]


def test_r6_2_a_new_id_number_held_by_another_student_is_refused_without_naming_the_school(world, pupil):
    holder = enrolled(world.school_c, grade=3, name="李小红", birth=dt.date(2017, 6, 6))
    with pytest.raises(RuleViolation) as refused:
        request(world, pupil, id_number=holder.id_number, birth_date="2017-06-06")
    assert refusals(refused.value) == [("R6.2", "duplicate", "id_number")] and refused.value.status == 409
    assert world.school_c.name not in refused.value.message and "第六条" in refused.value.message


def test_r6_2_an_id_number_registered_elsewhere_while_the_request_waited_is_refused_at_approval(world, pupil):
    new_id = make_id(dt.date(2017, 4, 2))
    case = through(world, request(world, pupil, id_number=new_id, birth_date="2017-04-02"), until="district")
    student_import_existing(
        actor=world.registrar_c,
        school=world.school_c,
        xjh="G" + new_id,
        student=student_payload(dt.date(2017, 4, 2), id_number=new_id, name="赵小东"),
        enrollment=enrollment_payload(grade=3, entry_date="2024-09-01"),
    )
    with pytest.raises(Conflict) as refused:
        engine.case_approve(actor=world.officer, case=case)
    assert refusals(refused.value) == [("R6.2", "duplicate", "id_number")]
    pupil.refresh_from_db()
    assert pupil.birth_date == dt.date(2017, 4, 1)


def test_r9_1_a_name_change_warns_of_a_likely_duplicate(world, pupil):
    enrolled(world.school_c, grade=3, name="陈晓北")  # same birth date and gender, another ID
    case = request(world, pupil, name="陈晓北")
    assert any("同一人重复建籍" in w for w in case.facts["warnings"])


def test_r9_1_a_value_changed_after_the_request_was_filed_stops_it(world, pupil):
    case = through(
        world, request(world, pupil, phone="13900000000", household_type="农业户口"), until="school"
    )
    student_update(actor=world.registrar_a, student=pupil, changes={"phone": "13711112222"})
    with pytest.raises(RuleViolation) as refused:
        engine.case_approve(actor=world.approver_a, case=case)
    assert refusals(refused.value) == [("R9.1", "changed_meanwhile", "phone")]
    pupil.refresh_from_db()
    assert (pupil.phone, pupil.household_type) == ("13711112222", "2")


# --------------------------------------------------------------------------- numbers and copies


def test_r6_4_a_corrected_id_number_does_not_change_the_g_number(world, pupil):
    old = pupil.xjh
    new_id = make_id(dt.date(2017, 4, 2))
    through(world, request(world, pupil, id_number=new_id, birth_date="2017-04-02"))
    pupil.refresh_from_db()
    assert (pupil.id_number, pupil.xjh) == (new_id, old)
    event = AuditEvent.objects.get(action="student.information_change")
    assert new_id not in str(event.changes)  # masked in the audit (R21.1)


def test_r6_4_a_j_number_student_who_obtains_an_id_gets_the_g_number_and_keeps_the_j_as_alias(world):
    pupil = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(BIRTH, id_type="Z", id_number=""),
        enrollment=enrollment_payload(),
    )
    j_number = pupil.xjh
    assert j_number.startswith("J")
    new_id = make_id(BIRTH)
    through(world, request(world, pupil, id_type="居民身份证", id_number=new_id))
    pupil.refresh_from_db()
    assert pupil.xjh == "G" + new_id
    assert set(XjhAlias.objects.filter(student=pupil).values_list("number", "is_current")) == {
        (j_number, False),
        ("G" + new_id, True),
    }
    found = selectors.enrollment_search(requested_by=world.registrar_a, q=j_number)
    assert [e.student_id for e in found] == [pupil.pk]
    event = AuditEvent.objects.get(action="student.information_change")
    assert set(event.rules) == {"R9.1", "R6.4"} and event.changes["xjh"] == [
        mask_xjh(j_number),
        mask_xjh("G" + new_id),
    ]  # R21.1: masked


def test_r9_1_a_gender_change_is_copied_onto_the_enrollment(world):
    pupil = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(BIRTH, id_type="Z", id_number=""),
        enrollment=enrollment_payload(),
    )
    through(world, request(world, pupil, gender="女"))
    assert Enrollment.objects.get(student=pupil).gender == "2"


# --------------------------------------------------------------------------- beside other cases


def test_r17_2_a_request_runs_beside_a_status_changing_case_but_not_beside_another_request(world, pupil):
    suspension_start(
        actor=world.registrar_a,
        student=pupil,
        facts={"ground": "other", "starts_on": "2026-09-14", "reason": "家庭变故", "guardian_name": "王建国"},
    )
    first = request(world, pupil, household_type="农业户口")
    with pytest.raises(RuleViolation) as refused:
        request(world, pupil, health="一般或较弱")
    assert refusals(refused.value) == [("R9.1", "open_request", "student")] and refused.value.status == 409
    assert first.number in refused.value.message
    engine.case_withdraw(actor=world.registrar_a, case=first, reason="监护人撤回")
    assert request(world, pupil, health="一般或较弱").state == "draft"


def test_r9_1_only_the_schools_registrar_files_and_only_for_an_open_record(world, pupil):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        request(world, pupil, actor=world.approver_a, household_type="农业户口")
    with pytest.raises(RuleViolation) as refused:
        request(world, pupil, actor=world.registrar_c, household_type="农业户口")
    assert refusals(refused.value) == [("R4.1", "not_own_student", "student")]


# --------------------------------------------------------------------------- the direct edit left


def test_r9_1_a_filled_field_outside_the_districts_list_is_not_edited_directly(world, pupil):
    with pytest.raises(RuleViolation) as refused:
        student_update(
            actor=world.registrar_a, student=pupil, changes={"household_type": "1", "health": "20"}
        )
    assert refusals(refused.value) == [("R9.1", "needs_change_request", "health")]
    assert "健康状况、户口性质已有内容" in refused.value.message and "信息变更申请" in refused.value.message
    pupil.refresh_from_db()
    assert (pupil.household_type, pupil.health) == ("2", "10")


def test_r9_1_r5_1_blank_fields_are_filled_and_listed_fields_corrected_directly(world, pupil):
    student_update(
        actor=world.registrar_a,
        student=pupil,
        changes={
            "specialty": "书法",
            "former_name": "陈北北",
            "phone": "13900000000",
            "current_address": "彰德路8号",
        },
    )
    pupil.refresh_from_db()
    assert (pupil.specialty, pupil.phone, pupil.current_address) == ("书法", "13900000000", "彰德路8号")
    assert AuditEvent.objects.filter(action="student.update", subject_id=str(pupil.pk)).exists()


def test_r9_1_the_district_takes_a_field_off_the_list(world, pupil):
    policy_set(
        actor=world.admin, jurisdiction=world.beiguan, key="direct_edit.phone", value=0, reason="统一走申请"
    )
    with pytest.raises(RuleViolation) as refused:
        student_update(actor=world.registrar_a, student=pupil, changes={"phone": "13900000000"})
    assert refused.value.code == "needs_change_request"


def test_r5_1_the_identity_document_is_never_filled_directly(world):
    pupil = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(BIRTH, id_type="Z", id_number=""),
        enrollment=enrollment_payload(),
    )
    with pytest.raises(RuleViolation) as refused:
        student_update(
            actor=world.registrar_a, student=pupil, changes={"id_type": "1", "id_number": make_id(BIRTH)}
        )
    assert refused.value.code == "key_field_change"


def test_r9_1_the_printed_form_lists_old_and_new_values(world, pupil):
    case = request(world, pupil, name="陈晓北", household_type="农业户口")
    rows = dict(kind_of("information").form_rows(case))
    assert rows["姓名（变更）"] == "原：陈小北　→　新：陈晓北"
    assert rows["户口性质（变更）"] == "原：非农业户口　→　新：农业户口"
    assert rows["涉及关键信息"].startswith("是")


def test_the_request_form_document_is_a_pdf(world, pupil):
    case = request(world, pupil, name="陈晓北")
    response = login(world.registrar_a).get(f"/cases/{case.pk}/print/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
