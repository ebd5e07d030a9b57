"""What the engine gives every kind, proven with a probe kind declared here and with the transfer:
clocks anchored on a fact (R15.1's "the day the school learned of it"), the case's own clock
(R10.7), lapsing drafts (R17.2), branching on a decided fact (R12.5), evidence by school level and
grade (R12.2), one open status-changing case beside information changes and superseding reports
(R17.2), the provincial platform's reference (R17.1) and district limits (org.policy)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tests.changes.builders import advance, case_in_state, days_later
from tests.factories import enrolled
from xueji.audit.models import AuditEvent
from xueji.changes import selectors
from xueji.changes import services as engine
from xueji.changes.kinds.base import EvidenceContext, Kind, Party, Step
from xueji.changes.kinds.facts import Fact, FactSchema
from xueji.changes.kinds.registry import KINDS
from xueji.changes.models import Case, CaseEvent
from xueji.core.calendar import add_working_days
from xueji.core.errors import Conflict, RuleViolation, RuleViolations
from xueji.org.models import Role, School
from xueji.org.policy import Limit, policy_set

pytestmark = pytest.mark.django_db

PROBE_DAYS = Limit("probe.days", "测试时限", "个工作日", "R15.1", 10, 1, 30)
ROUTES = {"short": "直接办结", "long": "须区教育局另定年级"}


def _evidence(context: EvidenceContext) -> dict[str, str]:
    # R12.2's shape: what is needed depends on the school's level and the student's grade.
    if context.school.kind == School.Kind.JUNIOR or (context.grade or 0) >= 7:
        return {"diagnosis": "诊断证明"}
    return {"inpatient": "住院病历"}


PREPARE = Step(
    "prepare",
    "学校报告",
    Party.SCHOOL,
    (Role.REGISTRAR,),
    days=PROBE_DAYS,
    anchor="learned_on",
    evidence=_evidence,
)
REVIEW = Step(
    "review", "学校审核", Party.SCHOOL, (Role.SCHOOL_APPROVER,), days=PROBE_DAYS, decides=("route",)
)
GRADE = Step(
    "grade", "区教育局另定年级", Party.SCHOOL_BUREAU, (Role.DISTRICT_OFFICER,), decides=("new_grade",)
)
BUREAU = Step("bureau", "区教育局审批", Party.SCHOOL_BUREAU, (Role.DISTRICT_OFFICER,), days=PROBE_DAYS)


class Probe(Kind):
    key = "probe"
    label = "测试事项"
    number_prefix = "TS"
    rules = ("R15.1",)
    facts = FactSchema(
        "probe",
        (
            Fact("learned_on", "知悉日期", "date", rule="R15.1", required=True),
            Fact("route", "办理方式", "choice", ROUTES, rule="R12.5"),
            Fact("new_grade", "另定年级", "int", rule="R12.5", minimum=1, maximum=9),
        ),
    )

    def steps(self, case: Case) -> list[Step]:
        if case.facts.get("route") == "long":
            return [PREPARE, REVIEW, GRADE, BUREAU]
        return [PREPARE, REVIEW, BUREAU]

    def on_complete(self, case: Case, actor: Any) -> None:
        pass


class InformationChange(Probe):
    key = "info_probe"
    label = "信息变更（测试）"
    number_prefix = "TX"
    status_changing = False


class Report(Probe):
    key = "report_probe"
    label = "死亡报告（测试）"
    number_prefix = "TD"
    supersedes = True


@pytest.fixture(autouse=True)
def probes(monkeypatch):
    # The URLconf and the API read the registry when first loaded: load them with the real kinds.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018
    for kind in (Probe(), InformationChange(), Report()):
        monkeypatch.setitem(KINDS, kind.key, kind)


def _open(world: Any, key: str = "probe", *, student: Any = None, learned_on: str = "2026-09-08") -> Case:
    student = student or enrolled(world.school_a, grade=3)
    facts, errors = KINDS[key].facts.clean({"learned_on": learned_on})
    assert not errors
    return engine.case_open(
        actor=world.registrar_a,
        kind=key,
        school=world.school_a,
        student=student,
        other_school=None,
        facts=facts,
    )


def _attach(case: Case, actor: Any, category: str) -> None:
    engine.case_attach(
        actor=actor, case=case, file=BytesIO(b"%PDF-1.4 x"), original_name="a.pdf", category=category
    )


# --------------------------------------------------------------------------- clocks


def test_r15_1_a_clock_anchored_on_a_fact_counts_from_that_date_not_the_filing_day(world, settings):
    # Learned Tuesday 8 Sep, filed Thursday 10 Sep: the 10 working days run from the 8th (Sunday
    # 20 Sep is a working day: the 10th is Monday 21 Sep).
    case = _open(world)
    assert case.step_started_on == dt.date(2026, 9, 8)
    assert case.step_due == add_working_days(dt.date(2026, 9, 8), 10).date == dt.date(2026, 9, 21)


def test_r17_2_a_draft_with_a_legal_deadline_is_flagged_never_refused_and_never_lapses(world, settings):
    case = _open(world, learned_on="2026-08-01")
    assert case.step_due < dt.date(2026, 9, 10)  # already late when filed: flagged, not refused
    assert engine.cases_flag_overdue() == 1 and engine.cases_flag_overdue() == 0
    days_later(settings, 90)
    assert engine.cases_lapse_drafts() == 0
    case.refresh_from_db()
    assert case.state == "draft" and case.is_overdue


def test_r17_2_a_draft_without_a_deadline_lapses_after_20_working_days_not_before(world, settings):
    case = case_in_state("transfer", "draft", world)  # started Thursday 10 Sep 2026
    last = add_working_days(dt.date(2026, 9, 10), 20).date  # across National Day
    assert last == dt.date(2026, 10, 14)
    settings.XUEJI_FIXED_TODAY = last.isoformat()
    assert engine.cases_lapse_drafts() == 0
    settings.XUEJI_FIXED_TODAY = (last + dt.timedelta(days=1)).isoformat()
    assert engine.cases_lapse_drafts() == 1 and engine.cases_lapse_drafts() == 0
    case.refresh_from_db()
    assert case.state == "lapsed" and case.get_state_display() == "逾期未提交，已失效"
    assert case.events.filter(action=CaseEvent.Action.LAPSE).count() == 1
    assert AuditEvent.objects.filter(action="transfer.lapse", subject_id=str(case.pk)).count() == 1
    # A lapsed case is closed: the student may start again.
    assert not engine.open_cases(case.student).exists()


def test_r10_7_the_whole_case_is_due_10_working_days_after_the_filing_approval(world, settings):
    case = case_in_state("transfer", "open", world, step="in_school")  # filing approved Thu 10 Sep
    # Sunday 20 Sep is a working day: the 10th working day after Thursday 10 Sep is Wednesday 23 Sep.
    assert (case.case_started_on, case.case_due) == (dt.date(2026, 9, 10), dt.date(2026, 9, 23))
    settings.XUEJI_FIXED_TODAY = "2026-09-23"
    assert engine.cases_flag_whole_overdue() == 0  # day 10: in time
    settings.XUEJI_FIXED_TODAY = "2026-09-24"
    assert engine.cases_flag_whole_overdue() == 1 and engine.cases_flag_whole_overdue() == 0
    case.refresh_from_db()
    assert case.case_overdue and case.events.filter(action=CaseEvent.Action.CASE_OVERDUE).count() == 1


def test_r10_7_the_whole_case_clock_restarts_after_a_return(world, settings):
    case = case_in_state("transfer", "open", world, step="in_school")
    settings.XUEJI_FIXED_TODAY = "2026-09-21"
    case = engine.case_return(actor=world.approver_a, case=case, comment="补充户籍迁移证明")
    case = advance(advance(case))  # resubmitted, filed again on Monday 21 Sep
    assert case.step_key == "in_school" and case.case_started_on == dt.date(2026, 9, 21)


def test_a_district_limit_changes_the_days_a_step_has(world, settings):
    with pytest.raises(PermissionDenied):
        policy_set(actor=world.officer, jurisdiction=world.beiguan, key="probe.days", value=5, reason="x")
    with pytest.raises(RuleViolation) as refused:
        policy_set(actor=world.admin, jurisdiction=world.beiguan, key="probe.days", value=99, reason="x")
    assert refused.value.code == "out_of_range"
    policy_set(
        actor=world.admin, jurisdiction=world.beiguan, key="probe.days", value=5, reason="区教育局通知"
    )
    case = _open(world)
    assert case.step_due == add_working_days(dt.date(2026, 9, 8), 5).date
    assert PROBE_DAYS.describe(world.beiguan) == "5 个工作日（区教育局规定）"
    assert PROBE_DAYS.value(world.wenfeng) == 10  # another district keeps the default
    event = AuditEvent.objects.get(action="policy.set")
    assert event.changes == {"probe.days": [10, 5]} and event.rules == ["R15.1"]


# --------------------------------------------------------------------------- evidence and branching


def test_r12_2_evidence_follows_the_school_level_and_the_grade(world):
    case = _open(world)  # a primary school, grade 3
    assert engine.missing_evidence(case) == {"inpatient": "住院病历"}
    junior = _open(world, student=enrolled(world.school_b, grade=8))
    assert engine.missing_evidence(junior) == {"diagnosis": "诊断证明"}
    # Each required category is checked, not only counted: another document does not stand in.
    _attach(case, world.registrar_a, "diagnosis")
    with pytest.raises(RuleViolation) as refused:
        engine.case_submit(actor=world.registrar_a, case=case)
    assert "住院病历" in refused.value.message


def test_r12_5_a_decided_fact_adds_the_districts_step(world):
    case = _open(world)
    _attach(case, world.registrar_a, "inpatient")
    case = engine.case_submit(actor=world.registrar_a, case=case)
    with pytest.raises(RuleViolations) as refused:
        engine.case_approve(actor=world.approver_a, case=case, decision={})
    assert refused.value.code == "decision_required" and refused.value.field == "route"
    case = engine.case_approve(actor=world.approver_a, case=case, decision={"route": "long"})
    assert case.step_key == "grade" and case.facts["route"] == "long"
    assert "办理方式：须区教育局另定年级" in case.events.filter(action="approve").last().comment
    with pytest.raises(RuleViolations):
        engine.case_approve(actor=world.officer, case=case, decision={"new_grade": "12"})
    case = engine.case_approve(actor=world.officer, case=case, decision={"new_grade": "4"})
    assert case.step_key == "bureau" and case.facts["new_grade"] == 4
    case = engine.case_approve(actor=world.officer, case=case)
    assert case.state == "completed"
    rows = selectors.case_timeline(
        case=case, events=selectors.case_events(requested_by=world.officer, case=case)
    )[0]
    assert [r.step.key for r in rows] == ["prepare", "review", "grade", "bureau"]


# --------------------------------------------------------------------------- one open case (R17.2)


def test_r17_2_one_open_status_changing_case_information_changes_beside_it(world):
    student = enrolled(world.school_a, grade=3)
    first = _open(world, student=student)
    with pytest.raises(Conflict) as refused:
        engine.check_no_open_case(student, kind=KINDS["probe"])
    assert refused.value.rule == "R17.2" and first.number in refused.value.message
    # The database holds it too, whatever the service checked.
    with pytest.raises(Conflict):
        _open(world, student=student)
    beside = _open(world, "info_probe", student=student)
    assert beside.state == "draft" and not beside.exclusive


def test_r17_2_a_superseding_report_withdraws_the_other_open_case_with_its_reason(world):
    transfer = case_in_state("transfer", "open", world)
    report = _open(world, "report_probe", student=transfer.student)
    transfer.refresh_from_db()
    assert transfer.state == "withdrawn" and report.state == "draft"
    event = transfer.events.get(action=CaseEvent.Action.SUPERSEDE)
    assert "死亡报告（测试）" in event.comment and "R17.2" in event.comment
    assert AuditEvent.objects.filter(action="transfer.supersede", subject_id=str(transfer.pk)).count() == 1


# --------------------------------------------------------------------------- the provincial platform (R17.1)


def test_r17_1_a_completed_change_records_the_platforms_reference_and_leaves_the_list(world):
    case = case_in_state("transfer", "completed", world)
    assert [c.pk for c in selectors.platform_pending(requested_by=world.registrar_a)] == [case.pk]
    with pytest.raises(PermissionDenied):
        engine.case_record_platform(
            actor=world.registrar_c, case=case, reference="X", on=dt.date(2026, 9, 10)
        )
    with pytest.raises(RuleViolation):
        engine.case_record_platform(
            actor=world.registrar_a, case=case, reference=" ", on=dt.date(2026, 9, 10)
        )
    with pytest.raises(RuleViolation):
        engine.case_record_platform(
            actor=world.registrar_a, case=case, reference="X", on=dt.date(2026, 9, 11)
        )
    engine.case_record_platform(
        actor=world.registrar_a, case=case, reference="HN2026-0915", on=dt.date(2026, 9, 10)
    )
    case.refresh_from_db()
    assert (case.platform_ref, case.platform_on) == ("HN2026-0915", dt.date(2026, 9, 10))
    assert not selectors.platform_pending(requested_by=world.registrar_a)
    assert AuditEvent.objects.filter(action="transfer.platform").count() == 1
    open_case = case_in_state("transfer", "open", world)
    with pytest.raises(RuleViolation):
        engine.case_record_platform(
            actor=world.registrar_a, case=open_case, reference="X", on=dt.date(2026, 9, 10)
        )


def test_r17_1_the_school_records_the_platform_reference_on_the_case_page_and_the_list_empties(world):
    from tests.conftest import login

    case = case_in_state("transfer", "completed", world)
    registrar = login(world.registrar_a)
    assert case.number in registrar.get("/cases/?state=platform").content.decode()
    home = registrar.get("/").content.decode()
    assert "尚未在省平台办理的变动" in home
    page = registrar.get(f"/cases/{case.pk}/").content.decode()
    assert "登记省平台办理情况" in page and "尚未登记" in page
    assert "登记省平台办理情况" not in login(world.approver_a).get(f"/cases/{case.pk}/").content.decode()
    bad = registrar.post(f"/cases/{case.pk}/platform/", {"platform_ref": "HN1", "platform_on": "x"})
    assert bad.status_code == 302
    case.refresh_from_db()
    assert case.platform_ref == ""
    registrar.post(
        f"/cases/{case.pk}/platform/", {"platform_ref": "HN2026-0915", "platform_on": "2026-09-10"}
    )
    case.refresh_from_db()
    assert (case.platform_ref, case.platform_on) == ("HN2026-0915", dt.date(2026, 9, 10))
    assert f'href="/cases/{case.pk}/"' not in registrar.get("/cases/?state=platform").content.decode()
    assert "HN2026-0915（2026-09-10）" in registrar.get(f"/cases/{case.pk}/").content.decode()


def test_r17_2_lapsing_looks_up_the_calendar_once_however_many_drafts(world, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert engine.cases_lapse_drafts() == 0  # candidates, none past its 20 working days
        return len(captured)

    case_in_state("transfer", "draft", world)  # Thursday 10 Sep 2026
    settings.XUEJI_FIXED_TODAY = "2026-09-25"
    one = queries()
    for day in ("2026-09-14", "2026-09-15", "2026-09-16"):
        settings.XUEJI_FIXED_TODAY = day
        case_in_state("transfer", "draft", world)
    settings.XUEJI_FIXED_TODAY = "2026-09-25"
    assert queries() == one
