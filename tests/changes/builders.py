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
from xueji.students.models import ArchiveSnapshot, Enrollment

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


def _suspension(world: Any) -> Case:
    from xueji.changes.kinds.suspension.services import suspension_start

    facts = {
        "ground": "illness",
        "absence_from": "2026-09-10",
        "absence_to": "2026-12-31",
        "starts_on": "2026-09-14",
        "reason": "因病住院治疗，医嘱休养",
        "guardian_name": "王建国",
    }
    return suspension_start(actor=world.registrar_a, student=enrolled(world.school_a, grade=3), facts=facts)


def _status_is(status: str, *, period_open: bool | None = None) -> Callable[[Case], None]:
    def check(case: Case) -> None:
        enrollment = Enrollment.objects.get(student=case.student, is_current=True)
        assert enrollment.status == status, (enrollment.status, status)
        if period_open is not None:
            running = enrollment.student.status_periods.filter(closed_on__isnull=True).exists()
            assert running is period_open

    return check


def _suspended_student(world: Any) -> Any:
    return case_in_state("suspension", "completed", world).student


def _extension(world: Any) -> Case:
    from xueji.changes.kinds.extension.services import extension_start

    facts = {"reason": "仍在康复期，医院建议继续休养", "guardian_name": "王建国"}
    return extension_start(actor=world.registrar_a, student=_suspended_student(world), facts=facts)


def _extended(case: Case) -> None:
    periods = case.student.status_periods.order_by("starts_on")
    assert [p.ends_on.isoformat() for p in periods] == ["2027-09-13", "2028-09-13"]


def _resumption(world: Any) -> Case:
    from xueji.changes.kinds.resumption.services import resumption_start

    facts = {"resume_on": "2026-09-28", "guardian_name": "王建国"}
    return resumption_start(actor=world.registrar_a, student=_suspended_student(world), facts=facts)


def _resumed(case: Case) -> None:
    _status_is("01", period_open=False)(case)
    enrollment = Enrollment.objects.get(student=case.student, is_current=True)
    assert (enrollment.grade, enrollment.placement_due, enrollment.school_class) == (3, True, None)


def _abroad(world: Any, student: Any = None) -> Case:
    from xueji.changes.kinds.abroad.services import abroad_start

    facts = {"destination": "新加坡", "leaves_on": "2026-09-20", "guardian_name": "王建国"}
    return abroad_start(
        actor=world.registrar_a, student=student or enrolled(world.school_a, grade=3), facts=facts
    )


def _abroad_return(world: Any) -> Case:
    from xueji.changes.kinds.abroad_return.services import abroad_return_start

    student = case_in_state("abroad", "completed", world).student
    facts = {"returns_on": "2026-10-12", "guardian_name": "王建国"}
    return abroad_return_start(actor=world.registrar_a, student=student, facts=facts)


def _transfer_out(world: Any) -> Case:
    from xueji.changes.kinds.transfer_out.services import transfer_out_start

    facts = {
        "platform_request": "ZJ2026-33010600123",
        "to_province": "浙江省",
        "to_school": "杭州市西湖区学军小学",
        "requested_on": "2026-09-08",
        "reason": "随父母工作调动迁往杭州",
    }
    return transfer_out_start(actor=world.registrar_a, student=enrolled(world.school_a, grade=3), facts=facts)


def _closed_out(case: Case) -> None:
    assert not Enrollment.objects.filter(student=case.student, is_current=True).exists()
    assert Enrollment.objects.get(student=case.student).status == "10"
    kept = ArchiveSnapshot.objects.get(pk=case.facts["archive_id"])
    assert (
        kept.content["to"] == "浙江省杭州市西湖区学军小学（系统外）" and kept.to_party == kept.content["to"]
    )


def _missing(world: Any, student: Any = None) -> Case:
    from xueji.changes.kinds.missing.services import missing_start

    facts = {
        "learned_on": "2026-09-08",
        "left_on": "2026-09-07",
        "circumstance": "missing",
        "description": "放学后未回家，家长已报案",
    }
    return missing_start(
        actor=world.registrar_a, student=student or enrolled(world.school_a, grade=3), facts=facts
    )


def _found(world: Any) -> Case:
    from xueji.changes.kinds.found.services import found_start

    student = case_in_state("missing", "completed", world).student
    facts = {"returns_on": "2026-09-10", "description": "已由公安机关找回"}
    return found_start(actor=world.registrar_a, student=student, facts=facts)


def _found_back(case: Case) -> None:
    _status_is("01", period_open=False)(case)
    enrollment = Enrollment.objects.get(student=case.student, is_current=True)
    assert (enrollment.grade, enrollment.placement_due) == (3, True)


def _death(world: Any, student: Any = None, proof: str = "death_certificate") -> Case:
    from xueji.changes.kinds.death.services import death_start

    facts = {"learned_on": "2026-09-08", "died_on": "2026-09-06", "proof": proof}
    return death_start(
        actor=world.registrar_a, student=student or enrolled(world.school_a, grade=3), facts=facts
    )


def _dropout(world: Any, student: Any = None, migrant: bool = False, **facts: Any) -> Case:
    from xueji.changes.kinds.dropout.services import dropout_start
    from xueji.students.models import Student

    student = student or enrolled(world.school_a, grade=3)
    if migrant:  # as the record says (registration sets it; set here for the test)
        Student.objects.filter(pk=student.pk).update(migrant_child=True)

    defaults = {
        "learned_on": "2026-09-08",
        "last_attended_on": "2026-09-04",
        "circumstances": "连续多日未到校",
        "measures": "班主任家访两次",
        "township": "北关区红旗路街道办事处",
    }
    return dropout_start(actor=world.registrar_a, student=student, facts={**defaults, **facts})


DELIVERED = {"township": {"township_delivered_on": "2026-09-10", "township_delivery": "in_person"}}


def _dropout_return(world: Any) -> Case:
    from xueji.changes.kinds.dropout_return.services import dropout_return_start

    student = case_in_state("dropout", "completed", world).student
    facts = {"returns_on": "2026-09-14", "guardian_name": "王建国"}
    return dropout_return_start(actor=world.registrar_a, student=student, facts=facts)


def _repetition(world: Any) -> Case:
    from xueji.changes.kinds.repetition.services import repetition_start

    facts = {"reason": "因病缺课较多", "guardian_name": "王建国"}
    return repetition_start(actor=world.registrar_a, student=enrolled(world.school_a, grade=3), facts=facts)


def _repeats(case: Case) -> None:
    enrollment = Enrollment.objects.get(student=case.student, is_current=True)
    assert (enrollment.grade, enrollment.repeats, enrollment.status) == (3, True, "01")


def _skip(world: Any) -> Case:
    from xueji.changes.kinds.skip.services import skip_start

    facts = {"requested_grade": "5", "reason": "学业特别优秀", "guardian_name": "王建国"}
    return skip_start(actor=world.registrar_a, student=enrolled(world.school_a, grade=3), facts=facts)


def _skipped(case: Case) -> None:
    enrollment = Enrollment.objects.get(student=case.student, is_current=True)
    assert (enrollment.grade, enrollment.placement_due, enrollment.school_class) == (5, True, None)


def _information(world: Any) -> Case:
    """A name correction (key information: school, then district)."""
    from xueji.changes.kinds.information.services import information_start

    facts = {
        "changes": {"name": "陈晓北"},
        "proof": "household",
        "reason": "姓名录入错误",
        "guardian_name": "王建国",
    }
    return information_start(actor=world.registrar_a, student=enrolled(world.school_a, grade=3), facts=facts)


def _renamed(case: Case) -> None:
    assert case.student is not None
    case.student.refresh_from_db()
    assert case.student.name == "陈晓北"


BUILDERS: dict[str, Builder] = {
    "information": Builder(start=_information, effect=_renamed),
    "transfer_out": Builder(start=_transfer_out, effect=_closed_out),
    "transfer": Builder(start=_transfer, effect=_transfer_moved),
    "suspension": Builder(start=_suspension, effect=_status_is("02", period_open=True)),
    "extension": Builder(start=_extension, effect=_extended),
    "resumption": Builder(start=_resumption, effect=_resumed),
    "abroad": Builder(start=_abroad, effect=_status_is("13", period_open=True)),
    "dropout": Builder(start=_dropout, effect=_status_is("06", period_open=True), decisions=DELIVERED),
    "dropout_return": Builder(start=_dropout_return, effect=_found_back),
    "repetition": Builder(start=_repetition, effect=_repeats),
    "skip": Builder(
        start=_skip, effect=_skipped, decisions={"district": {"exception_reason": "经评估学业特别优秀"}}
    ),
    "missing": Builder(start=_missing, effect=_status_is("15", period_open=True)),
    "found": Builder(start=_found, effect=_found_back),
    "death": Builder(start=_death, effect=_status_is("11", period_open=False)),
    "abroad_return": Builder(
        start=_abroad_return,
        effect=_status_is("01", period_open=False),
        decisions={"district": {"decided_grade": "3"}},
    ),
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
