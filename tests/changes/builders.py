"""Cases of any kind in any state, built through the services a user calls: ``case_in_state``.

Every registered kind has a ``Builder`` here (the engine contract test fails for a kind without
one): how a case of it starts, and what its completion must have done to the record. Whoever acts
at a step is found from the step itself (its party and roles), as the named persona of that
school or bureau; the evidence a step needs is uploaded before it passes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from tests.factories import enrolled, persona
from xueji.changes import services as engine
from xueji.changes.kinds.base import Party, Step
from xueji.changes.kinds.registry import kind_of
from xueji.changes.models import Case
from xueji.org.models import Role, User
from xueji.students.models import Enrollment

PDF = b"%PDF-1.4 evidence"


@dataclass(frozen=True)
class Builder:
    start: Callable[[Any], Case]  # (world) → a draft at its first step
    effect: Callable[[Case], None]  # asserts what completion did to the record
    # Facts the deciding steps decide, by step key (a district's grade decision, …).
    decisions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def _transfer(world: Any) -> Case:
    from xueji.changes.kinds.transfer.services import transfer_start, transfer_verify

    student = enrolled(world.school_c, grade=3)
    transfer_verify(requested_by=world.registrar_a, id_number=student.id_number, name=student.name)
    facts = {"grounds": "household_moved", "nature": "returning", "reason": "随父母户籍迁入北关区"}
    return transfer_start(actor=world.registrar_a, student=student, facts=facts)


def _transfer_moved(case: Case) -> None:
    current = Enrollment.objects.get(student=case.student, is_current=True)
    assert (current.school_id, current.origin, current.placement_due) == (case.school_id, "transfer", True)
    assert Enrollment.objects.get(student=case.student, is_current=False).status == "10"


BUILDERS: dict[str, Builder] = {
    "transfer": Builder(start=_transfer, effect=_transfer_moved),
}


def register(key: str, builder: Builder) -> None:
    BUILDERS[key] = builder


# --------------------------------------------------------------------------- who acts


def actor_for(case: Case, step: Step) -> User:
    """The persona whose turn ``step`` is: the first of its roles, at its owner's school or bureau."""
    school, bureau = engine.owner_of(case, step)
    role = step.roles[0]
    if school is not None:
        return persona(role, school=school)
    assert bureau is not None
    return persona(role, jurisdiction=bureau)


def current(case: Case) -> Step:
    return kind_of(case.kind).step(case, case.step_key)


def attach_missing(case: Case, actor: User) -> None:
    for category in engine.missing_evidence(case):
        engine.case_attach(
            actor=actor, case=case, file=BytesIO(PDF), original_name=f"{category}.pdf", category=category
        )


def advance(case: Case, *, decisions: Mapping[str, Mapping[str, Any]] | None = None) -> Case:
    """One step on: submit a draft (or a returned case), approve an open one."""
    step = current(case)
    actor = actor_for(case, step)
    attach_missing(case, actor)
    if case.state in (Case.State.DRAFT, Case.State.RETURNED):
        return engine.case_submit(actor=actor, case=case)
    decision = (decisions or {}).get(step.key)
    return engine.case_approve(actor=actor, case=case, comment="同意", decision=decision)


def case_in_state(kind: str, state: str, world: Any, *, step: str | None = None) -> Case:
    """A case of ``kind`` in ``state`` ("draft", "open" — at ``step`` if given, else its first open
    step —, "returned", "completed", "rejected", "withdrawn"), built through the services."""
    builder = BUILDERS[kind]
    case = builder.start(world)
    if state == "draft":
        return case
    if state == "withdrawn":
        return engine.case_withdraw(actor=actor_for(case, current(case)), case=case, reason="监护人改变主意")
    case = advance(case, decisions=builder.decisions)
    if state in ("open", "returned", "rejected") and step is None:
        pass
    elif state == "completed" or step is not None:
        while case.state == Case.State.OPEN and (step is None or case.step_key != step):
            case = advance(case, decisions=builder.decisions)
        assert state != "completed" or case.state == Case.State.COMPLETED, case.state
        assert step is None or case.step_key == step, (case.step_key, step)
    if state == "returned":
        return engine.case_return(actor=actor_for(case, current(case)), case=case, comment="请补充材料")
    if state == "rejected":
        return engine.case_reject(actor=actor_for(case, current(case)), case=case, reason="不符合条件")
    return case


def days_later(settings: Any, days: int) -> dt.date:
    """Move the one clock ``days`` calendar days on (from the date it shows now)."""
    from xueji.core import clock

    later = clock.today() + dt.timedelta(days=days)
    settings.XUEJI_FIXED_TODAY = later.isoformat()
    return later


__all__ = ["BUILDERS", "Builder", "Party", "Role", "actor_for", "advance", "case_in_state", "current"]
