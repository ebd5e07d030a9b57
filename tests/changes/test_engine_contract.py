"""The engine's contract, run over every registered kind: start, submit, each approver, return,
reject, withdraw, overdue, the completion's effect, one audit row per verb, 404 outside scope
(R2.2, R2.3, R10.7, R17.1, R17.2). A new kind gets these tests by registering a builder."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.changes.builders import BUILDERS, actor_for, advance, case_in_state, current, days_later
from tests.factories import SchoolFactory, persona
from xueji.audit.models import AuditEvent
from xueji.changes import selectors
from xueji.changes import services as engine
from xueji.changes.kinds.registry import KINDS
from xueji.changes.models import Case, CaseEvent
from xueji.core.errors import RuleViolation
from xueji.org.models import Role
from xueji.students.models import Evidence

pytestmark = pytest.mark.django_db
KIND_KEYS = sorted(KINDS)


def test_every_registered_kind_has_a_builder_and_declares_itself_fully():
    assert set(BUILDERS) >= set(KINDS), "add a Builder for the new kind in tests/changes/builders.py"
    for kind in KINDS.values():
        assert kind.label and kind.number_prefix and kind.rules and kind.facts.kind == kind.key
        for refusal in kind.refusals.values():
            assert refusal.rule.startswith("R") and refusal.message


def _audited(case: Case, verb: str) -> int:
    return AuditEvent.objects.filter(
        subject_type="Case", subject_id=str(case.pk), action=f"{case.kind}.{verb}"
    ).count()


@pytest.mark.parametrize("kind", KIND_KEYS)
def test_r17_1_start_is_a_draft_at_the_first_step_with_one_audit_row(world, kind):
    case = case_in_state(kind, "draft", world)
    assert case.state == "draft" and case.step_key == KINDS[kind].steps(case)[0].key
    assert case.number.startswith(KINDS[kind].number_prefix)
    assert _audited(case, "start") == 1
    assert list(case.events.values_list("action", flat=True)) == ["start"]


@pytest.mark.parametrize("kind", KIND_KEYS)
def test_r17_1_submit_needs_each_required_document(world, kind):
    case = case_in_state(kind, "draft", world)
    if engine.missing_evidence(case):
        with pytest.raises(RuleViolation) as refused:
            engine.case_submit(actor=actor_for(case, current(case)), case=case)
        assert refused.value.code == "evidence_missing"
    case = advance(case)
    assert case.state == "open" and _audited(case, "submit") == 1


@pytest.mark.parametrize("kind", KIND_KEYS)
def test_r17_1_each_approver_in_turn_and_the_effect_on_completion(world, kind):
    case = case_in_state(kind, "completed", world)
    steps = KINDS[kind].steps(case)
    assert case.state == "completed" and case.closed_at is not None and case.step_key == ""
    # Every step after the first was approved by its own party, once each, and audited once each.
    approvals = case.events.filter(action=CaseEvent.Action.APPROVE).count()
    assert approvals == len(steps) - 1 == _audited(case, "approve")
    BUILDERS[kind].effect(case)
    # R17.1: the documents of the completed case are filed to the student's evidence (category 二).
    if case.student_id:
        filed = Evidence.objects.filter(student=case.student, reference=case.number)
        assert filed.count() == case.documents.count()


@pytest.mark.parametrize("kind", KIND_KEYS)
def test_r17_1_someone_elses_turn_is_refused(world, kind):
    case = case_in_state(kind, "open", world)
    step = current(case)
    outsider = (
        persona(step.roles[0], school=SchoolFactory()) if step.party != "school_bureau" else world.officer_wf
    )
    with pytest.raises(PermissionDenied):
        engine.case_approve(actor=outsider, case=case)


@pytest.mark.parametrize("kind", KIND_KEYS)
def test_r17_1_return_sends_it_back_to_the_first_step_and_it_can_be_resubmitted(world, kind):
    case = case_in_state(kind, "returned", world)
    assert case.state == "returned" and case.step_key == KINDS[kind].steps(case)[0].key
    assert _audited(case, "return") == 1
    case = advance(case)
    assert case.state == "open"


@pytest.mark.parametrize("kind", KIND_KEYS)
def test_r17_1_reject_needs_a_reason_and_ends_the_case(world, kind):
    case = case_in_state(kind, "open", world)
    with pytest.raises(RuleViolation):
        engine.case_reject(actor=actor_for(case, current(case)), case=case, reason=" ")
    case = case_in_state(kind, "rejected", world)
    assert case.state == "rejected" and not case.is_open and _audited(case, "reject") == 1


@pytest.mark.parametrize("kind", KIND_KEYS)
def test_r17_1_withdraw_by_the_starting_school_only(world, kind):
    case = case_in_state(kind, "draft", world)
    with pytest.raises(PermissionDenied):
        engine.case_withdraw(actor=persona(Role.REGISTRAR, school=SchoolFactory()), case=case, reason="x")
    case = engine.case_withdraw(actor=actor_for(case, current(case)), case=case, reason="监护人改变主意")
    assert case.state == "withdrawn" and _audited(case, "withdraw") == 1


@pytest.mark.parametrize("kind", KIND_KEYS)
def test_r10_7_an_open_step_past_its_due_date_is_flagged_once(world, kind, settings):
    case = case_in_state(kind, "open", world)
    if case.step_due is None:
        pytest.skip("the kind's first open step has no clock")
    days_later(settings, (case.step_due - case.step_started_on).days + 1)
    assert engine.cases_flag_overdue() == 1
    assert engine.cases_flag_overdue() == 0  # once
    case.refresh_from_db()
    assert case.is_overdue and _audited(case, "overdue") == 1


@pytest.mark.parametrize("kind", KIND_KEYS)
def test_r2_2_a_case_outside_the_scope_is_404_like_a_missing_one(world, kind):
    case = case_in_state(kind, "draft", world)
    outsider = persona(Role.REGISTRAR, school=SchoolFactory())
    with pytest.raises(Http404):
        selectors.case_get(requested_by=outsider, pk=case.pk)
    with pytest.raises(Http404):
        selectors.case_get(requested_by=outsider, pk=10**12)
    assert selectors.case_get(requested_by=world.officer, pk=case.pk) == case


def _inbox_ids(user: Any) -> list[int]:
    return [todo.case.pk for todo in selectors.inbox(requested_by=user, limit=None)]


@pytest.mark.parametrize("kind", KIND_KEYS)
def test_r10_7_the_inbox_holds_a_case_for_exactly_who_may_act_at_every_step(world, kind):
    """The inbox's filter in SQL (the kind's ``every_step`` and the step's owner) agrees with
    services.may_act at every step, for every role at the owning unit and outside it."""
    declared = KINDS[kind].every_step
    assert len({step.key for step in declared}) == len(declared), "every_step: one key per step"
    case = case_in_state(kind, "draft", world)
    builder = BUILDERS[kind]
    while case.state in Case.OPEN_STATES:
        assert set(KINDS[kind].steps(case)) <= set(declared), "a step missing from every_step"
        step = current(case)
        school, bureau = engine.owner_of(case, step)
        for role in (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER):
            school_role = role != Role.DISTRICT_OFFICER
            unit = (school or SchoolFactory()) if school_role else (bureau or world.beiguan)
            user = persona(role, school=unit) if school_role else persona(role, jurisdiction=unit)
            expected = engine.may_act(user, case, step)
            assert (case.pk in _inbox_ids(user)) is expected, (step.key, role)
            assert selectors.inbox_count(requested_by=user) == len(_inbox_ids(user))
            mine = selectors.case_list(requested_by=user, mine=True)
            assert [c.pk for c in mine] == _inbox_ids(user), (step.key, role)
        case = advance(case, decisions=builder.decisions)
