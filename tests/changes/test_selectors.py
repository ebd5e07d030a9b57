"""Reads of cases, scoped to the user (R2.2): lists, the inbox, the filing batches, the timeline and
the due date in working days (R10.4, R10.7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from tests.changes.conftest import START_EVIDENCE, attach, pupil, start
from tests.conftest import _user
from xueji.audit.models import AuditEvent
from xueji.changes import selectors
from xueji.changes import services as engine
from xueji.changes.kinds.transfer import selectors as transfer_selectors
from xueji.changes.kinds.transfer.models import Verification
from xueji.changes.kinds.transfer.services import transfer_verify
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.org.models import Role, School
from xueji.students import selectors as student_selectors

CHARS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


def _student(world, i: int):
    return pupil(
        world, birth=dt.date(2018, 1, 1) + dt.timedelta(days=i), name="学" + CHARS[i % 22] + CHARS[i // 22]
    )


def _filed(world, student):
    case = start(world, student)
    attach(case, world.registrar_a, *START_EVIDENCE)
    return engine.case_submit(actor=world.registrar_a, case=case)


def test_r2_2_both_schools_and_both_bureaus_see_a_case_nobody_else_does(world, student_c):
    case = start(world, student_c)
    registrar_d = _user(
        "reg_d",
        Role.REGISTRAR,
        school=School.objects.create(
            code="4105020002",
            name="文峰区西关小学",
            district=world.wenfeng,
            kind="primary",
            grade_from=1,
            grade_to=6,
        ),
    )
    for persona in (world.registrar_a, world.approver_a, world.registrar_c, world.officer, world.officer_wf):
        assert list(selectors.case_list(requested_by=persona)) == [case], persona.username
        assert selectors.case_get(requested_by=persona, pk=case.pk) == case
    for persona in (world.registrar_b, registrar_d, world.admin, world.auditor):
        assert not selectors.case_list(requested_by=persona).exists(), persona.username
        with pytest.raises(Http404):
            selectors.case_get(requested_by=persona, pk=case.pk)


@pytest.mark.parametrize("pk", [0, -1, "abc", None, 10**30, "1e3"])
def test_r2_2_impossible_ids_are_404(world, pk):
    with pytest.raises(Http404):
        selectors.case_get(requested_by=world.registrar_a, pk=pk)


def test_r10_7_inbox_holds_only_the_steps_the_user_may_act_on(world, student_c):
    case = start(world, student_c)
    assert [t.case for t in selectors.inbox(requested_by=world.registrar_a)] == [case]
    for persona in (world.approver_a, world.registrar_c, world.officer, world.officer_wf):
        assert selectors.inbox(requested_by=persona) == [], persona.username
    attach(case, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=case)
    assert selectors.inbox(requested_by=world.registrar_a) == []
    todo = selectors.inbox(requested_by=world.officer)
    assert [t.step.key for t in todo] == ["filing"] and todo[0].student == "陈小北"
    assert selectors.inbox(requested_by=world.officer_wf) == []  # not 文峰区's turn yet
    assert selectors.inbox(requested_by=world.admin) == selectors.inbox(requested_by=world.auditor) == []


def test_r10_7_inbox_puts_late_steps_first_then_the_earliest_due(world, settings):
    early = _filed(world, _student(world, 1))  # filed Thu 10 Sep → Tue 15 Sep
    settings.XUEJI_FIXED_TODAY = "2026-09-16"
    late_one = early
    later = _filed(world, _student(world, 2))  # filed Wed 16 Sep → Tue 22 Sep
    settings.XUEJI_FIXED_TODAY = "2026-09-17"
    latest = _filed(world, _student(world, 3))  # → Tue 22 Sep too, created later
    todos = selectors.inbox(requested_by=world.officer)
    assert [t.case for t in todos] == [late_one, later, latest]
    assert [t.late for t in todos] == [True, False, False]


def test_r10_7_inbox_shows_the_first_ones_and_counts_all_and_the_list_pages_through_them(world, settings):
    early = _filed(world, _student(world, 1))
    settings.XUEJI_FIXED_TODAY = "2026-09-16"  # the first one is late now
    later = [_filed(world, _student(world, i)) for i in (2, 3)]
    in_order = [early, *later]
    assert [t.case for t in selectors.inbox(requested_by=world.officer, limit=2)] == in_order[:2]
    assert [t.case for t in selectors.inbox(requested_by=world.officer, limit=2, offset=2)] == in_order[2:]
    assert selectors.inbox_count(requested_by=world.officer) == 3
    assert list(selectors.case_list(requested_by=world.officer, mine=True)) == in_order
    assert list(selectors.case_list(requested_by=world.officer)) == in_order[::-1]  # newest first
    assert selectors.inbox_count(requested_by=world.registrar_a) == 0
    assert not selectors.case_list(requested_by=world.registrar_a, mine=True).exists()
    assert selectors.inbox_count(requested_by=world.admin) == 0


def test_r2_2_the_list_filters_by_kind(world, student_c):
    case = start(world, student_c)
    assert list(selectors.case_list(requested_by=world.registrar_a, kind="transfer")) == [case]
    assert not selectors.case_list(requested_by=world.registrar_a, kind="suspension").exists()


def test_r10_7_a_rest_day_after_the_due_date_is_not_yet_late(world, settings):
    settings.XUEJI_FIXED_TODAY = "2026-09-26"  # Saturday after the Mid-Autumn Festival (Fri 25)
    assert selectors.late_cutoff(requested_by=world.officer) == dt.date(2026, 9, 24)
    settings.XUEJI_FIXED_TODAY = "2026-09-20"  # an adjusted working Sunday
    assert selectors.late_cutoff(requested_by=world.registrar_a) == dt.date(2026, 9, 20)


def test_r10_7_late_steps_are_counted_per_party_for_the_officer(world, settings, student_c):
    case = _filed(world, student_c)
    engine.case_approve(actor=world.officer, case=case)  # in_school at school A, due 23 Sep
    _filed(world, _student(world, 5))  # filing by 北关区, due 15 Sep
    settings.XUEJI_FIXED_TODAY = "2026-09-28"
    rows = selectors.late_by_owner(requested_by=world.officer)
    assert {(r["unit"], r["n"]) for r in rows} == {("北关区红旗路小学", 1), ("北关区教育局", 1)}
    assert selectors.late_by_owner(requested_by=world.registrar_a) == []
    assert {c.pk for c in selectors.case_list(requested_by=world.officer, overdue=True)} == {
        case.pk,
        *(c.pk for c in selectors.case_list(requested_by=world.officer) if c.step_key == "filing"),
    }


def test_r10_4_filing_batches_group_by_tuesday_for_the_owning_bureau_only(world, settings):
    first = _filed(world, _student(world, 1))
    settings.XUEJI_FIXED_TODAY = "2026-09-15"  # a Tuesday joins that day's batch
    second = _filed(world, _student(world, 2))
    settings.XUEJI_FIXED_TODAY = "2026-09-16"
    third = _filed(world, _student(world, 3))
    batches = transfer_selectors.filing_batches(requested_by=world.officer)
    assert batches == [(dt.date(2026, 9, 15), [first, second]), (dt.date(2026, 9, 22), [third])]
    assert transfer_selectors.filing_batch(requested_by=world.officer, day=dt.date(2026, 9, 22)) == [third]
    for persona in (world.officer_wf, world.registrar_a, world.approver_a):
        assert transfer_selectors.filing_batches(requested_by=persona) == []


def test_r10_5_timeline_marks_done_current_future_and_where_a_case_stopped(world, student_c):
    case = _filed(world, student_c)
    rows, rest = selectors.case_timeline(
        case=case, events=selectors.case_events(requested_by=world.officer, case=case)
    )
    assert [r.status for r in rows] == ["done", "current", "future", "future", "future", "future"]
    assert [e.action for e in rows[0].events] == ["start", "evidence", "evidence", "evidence", "submit"]
    assert rows[4].owner == "文峰区东关小学" and rows[5].owner == "文峰区教育局"
    case = engine.case_reject(actor=world.officer, case=case, reason="材料不实")
    rows, _ = selectors.case_timeline(
        case=case, events=selectors.case_events(requested_by=world.officer, case=case)
    )
    assert [r.status for r in rows][:3] == ["done", "stopped", "future"]
    assert rows[1].events[-1].comment == "材料不实"


def test_external_party_is_named_in_the_timeline(world):
    from xueji.changes.kinds.transfer.services import transfer_start

    external = {"name": "孙小东", "province": "山东省", "school": "济南市历下区实验小学", "grade": "4"}
    facts = {"grounds": "migrant_child", "nature": "migrant", "reason": "务工", "scope": "cross_province"}
    case = transfer_start(actor=world.registrar_a, student=None, facts={**facts, "external": external})
    rows, _ = selectors.case_timeline(case=case, events=[])
    assert rows[-1].owner == "山东省济南市历下区实验小学（由北关区教育局登记）"
    assert selectors.counterpart(case) == "山东省济南市历下区实验小学（系统外）"
    assert selectors.student_name(case) == "孙小东"


def test_r10_7_due_in_working_days(world, student_c, settings):
    case = _filed(world, student_c)
    due = selectors.case_due(case)
    assert (due.date, due.remaining, due.text) == (dt.date(2026, 9, 15), 3, "剩余 3 个工作日")
    settings.XUEJI_FIXED_TODAY = "2026-09-15"
    assert selectors.case_due(case).text == "今日截止"
    settings.XUEJI_FIXED_TODAY = "2026-09-17"
    assert selectors.case_due(case).text == "已逾期 2 个工作日"
    assert selectors.case_due(start(world, _student(world, 9))) is None  # a draft has no clock


def test_r10_3_a_transfer_may_start_only_for_a_student_this_registrar_verified(world, student_c, settings):
    with pytest.raises(RuleViolation) as refused:
        transfer_selectors.verified_student(requested_by=world.registrar_a, pk=student_c.pk)
    assert refused.value.rule == "R10.3"
    transfer_verify(requested_by=world.registrar_b, id_number=student_c.id_number, name="陈小北")
    with pytest.raises(RuleViolation):  # someone else's verification does not count
        transfer_selectors.verified_student(requested_by=world.registrar_a, pk=student_c.pk)
    transfer_verify(requested_by=world.registrar_a, id_number=student_c.id_number, name="陈小北")
    assert transfer_selectors.verified_student(requested_by=world.registrar_a, pk=student_c.pk) == student_c
    # The proof is the verification record (its access-log row stays, as every read's does).
    assert AuditEvent.objects.filter(action="transfer.verify").count() == 2
    Verification.objects.update(verified_at=clock.now() - dt.timedelta(hours=24, seconds=1))
    with pytest.raises(RuleViolation):  # older than a day
        transfer_selectors.verified_student(requested_by=world.registrar_a, pk=student_c.pk)


def test_actions_offered_follow_the_engine(world, student_c, approver_c):
    case = start(world, student_c)
    assert selectors.case_actions(requested_by=world.registrar_a, case=case) == {
        "submit",
        "upload",
        "withdraw",
    }
    assert selectors.case_actions(requested_by=world.registrar_c, case=case) == set()
    case = _filed(world, pupil(world, birth=dt.date(2018, 7, 7), name="李小西"))
    assert selectors.case_actions(requested_by=world.officer, case=case) == {
        "approve",
        "reject",
        "return",
        "upload",
    }
    assert selectors.case_actions(requested_by=world.registrar_a, case=case) == {"withdraw"}
    assert selectors.case_actions(requested_by=world.approver_a, case=case) == set()


def test_unplaced_transfers_are_the_registrars_to_do(world, student_c, approver_c):
    case = _filed(world, student_c)
    for actor in (world.officer, world.approver_a, world.officer, approver_c, world.officer_wf):
        case = engine.case_approve(actor=actor, case=case)
    rows = student_selectors.awaiting_class(requested_by=world.registrar_a)
    assert [e.student for e in rows] == [student_c]
    assert not student_selectors.awaiting_class(requested_by=world.approver_a).exists()


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = fn()
        list(result)
    return len(captured)


@pytest.mark.parametrize("persona", ["officer", "registrar_a", "registrar_c"])
def test_lists_and_inbox_cost_constant_queries(world, persona):
    for i in range(5):
        _filed(world, _student(world, i))
    user = getattr(world, persona)
    user.refresh_from_db()
    calls = {
        "list": lambda: [
            selectors.case_actions(requested_by=user, case=c) for c in selectors.case_list(requested_by=user)
        ],
        "inbox": lambda: selectors.inbox(requested_by=user),
        "batches": lambda: transfer_selectors.filing_batches(requested_by=user),
    }
    for fn in calls.values():
        fn()  # the user's school or jurisdiction is fetched once and then cached on the user
    few = {name: _count(fn) for name, fn in calls.items()}
    for i in range(5, 20):
        _filed(world, _student(world, i))
    assert {name: _count(fn) for name, fn in calls.items()} == few


def test_r10_7_flag_overdue_command_reports_the_count(world, student_c, settings):
    from io import StringIO

    from django.core.management import call_command

    _filed(world, student_c)
    settings.XUEJI_FIXED_TODAY = "2026-09-16"
    out = StringIO()
    call_command("flag_overdue", stdout=out)  # the former name of `xueji daily`
    assert "2026-09-16：已标记 1 个逾期环节" in out.getvalue()
    out = StringIO()
    call_command("daily", stdout=out)
    assert "已标记 0 个逾期环节" in out.getvalue()
