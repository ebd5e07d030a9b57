"""Registrars on file (R19.1, R19.2): the school files, the district trains and acknowledges.

- ``registrar_file``: the school's approver files one of its registrar accounts with the name,
  contact and appointment document; a change of registrar names the predecessor and carries the
  official document (红头文件).
- ``registrar_acknowledge``: the district officer records the training date and puts the registrar
  in post; for a change, the predecessor leaves the post, its account is deactivated and its API
  tokens revoked, in the same transaction.
- ``registrar_return``: the district officer returns a filing with a reason; the school files again.
- ``registrar_record_paper_filing``: a filing the district received on paper before the system,
  entered by the officer (the registrar is in post from the training date).
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.db import transaction

from xueji.audit import actions
from xueji.audit.services import audit_record
from xueji.core import clock, evidence
from xueji.core.errors import RuleViolation
from xueji.org.account_services import tokens_revoke
from xueji.org.models import RegistrarFiling, Role, User
from xueji.org.permissions import require_role

LIVE = (RegistrarFiling.State.GRACE, RegistrarFiling.State.FILED, RegistrarFiling.State.ACTIVE)


def _refuse(code: str, message: str, field: str | None = None) -> RuleViolation:
    return RuleViolation(rule="R19.1", code=code, field=field, message=message)


def _attach(filing: RegistrarFiling, document: IO[bytes] | None, name: str) -> None:
    if document is None:
        raise _refuse(
            "document", "请上传任命文件（变更学籍管理员时上传学校的正式文件）的扫描件。", "document"
        )
    stored = evidence.store(document)
    filing.document_name = (name or "任命文件")[:200]
    filing.storage_name, filing.content_type, filing.sha256 = (
        stored.storage_name,
        stored.content_type,
        stored.sha256,
    )


def _checked_contact(full_name: str, phone: str) -> tuple[str, str]:
    full_name, phone = full_name.strip(), phone.strip()
    if not full_name:
        raise _refuse("full_name", "请填写学籍管理员的姓名。", "full_name")
    if not phone or not all(ch.isdigit() or ch == "-" for ch in phone) or len(phone) > 20:
        raise _refuse("phone", "请填写学籍管理员的联系电话（手机号或带区号的座机）。", "phone")
    return full_name[:30], phone


@transaction.atomic
def registrar_file(
    *,
    actor: Any,
    user: User,
    full_name: str,
    phone: str,
    document: IO[bytes] | None,
    document_name: str = "",
    replaces: User | None = None,
) -> RegistrarFiling:
    """R19.1/R19.2: the school's approver files ``user`` (a registrar account of the school)."""
    require_role(actor, (Role.SCHOOL_APPROVER,))
    if user.role != Role.REGISTRAR or user.school_id != actor.school_id or not user.is_active:
        raise _refuse("not_registrar", "只能报备本校在用的学籍管理员账号。", "user")
    full_name, phone = _checked_contact(full_name, phone)
    live = RegistrarFiling.objects.select_for_update().filter(user=user, state__in=LIVE).first()
    if live is not None and live.state != RegistrarFiling.State.GRACE:
        said = "已报备，正等待区教育局确认" if live.state == RegistrarFiling.State.FILED else "已在岗"
        raise _refuse("already_filed", f"{user.full_name}{said}，无需重复报备。", "user")
    predecessor = None
    if replaces is not None:
        predecessor = (
            RegistrarFiling.objects.select_for_update()
            .filter(user=replaces, school_id=actor.school_id, state__in=LIVE)
            .exclude(user=user)
            .first()
        )
        if predecessor is None:
            raise RuleViolation(
                rule="R19.2",
                code="no_predecessor",
                field="replaces",
                message="被接替的人不是本校在岗的学籍管理员：请核对，或不选「接替」按新增报备。",
            )
    filing = RegistrarFiling(
        school=user.school,
        user=user,
        state=RegistrarFiling.State.FILED,
        full_name=full_name,
        phone=phone,
        replaces=predecessor,
        filed_by=actor,
        filed_at=clock.now(),
    )
    _attach(filing, document, document_name)
    if live is not None:  # the go-live grace ends with the filing; the district decides from here
        live.state, live.ended_on = RegistrarFiling.State.ENDED, clock.today()
        live.save(update_fields=["state", "ended_on"])
    filing.save()
    audit_record(
        actor=actor,
        action=actions.REGISTRAR_FILE,
        subject=filing,
        school=user.school,
        changes={"state": [None, filing.state], "user": [None, user.username]}
        | ({"replaces": [None, replaces.username]} if replaces is not None else {}),
        rules=["R19.1", "R19.2"] if replaces is not None else ["R19.1"],
        note=filing.document_name,
    )
    return filing


def _pending(actor: Any, filing: RegistrarFiling) -> RegistrarFiling:
    require_role(actor, (Role.DISTRICT_OFFICER,), school=filing.school)
    locked = (
        RegistrarFiling.objects.select_for_update(of=("self",))
        .select_related("school", "user")
        .get(pk=filing.pk)
    )
    if locked.state != RegistrarFiling.State.FILED:
        raise _refuse("not_pending", "这份报备已经处理过了，请刷新页面。")
    return locked


@transaction.atomic
def registrar_acknowledge(
    *, actor: Any, filing: RegistrarFiling, trained_on: dt.date | None
) -> RegistrarFiling:
    """R19.1: the district records the training (先培训后上岗) and puts the registrar in post;
    R19.2: the predecessor of a change leaves the post, its account deactivated, tokens revoked."""
    filing = _pending(actor, filing)
    today = clock.today()
    if trained_on is None or trained_on > today:
        raise _refuse(
            "trained_on", "请填写已完成培训的日期（不能晚于今天）：培训完成后才能上岗。", "trained_on"
        )
    filing.state, filing.trained_on, filing.started_on = RegistrarFiling.State.ACTIVE, trained_on, today
    filing.decided_by, filing.decided_at = actor, clock.now()
    filing.save()
    changes: dict[str, Any] = {
        "state": [RegistrarFiling.State.FILED, filing.state],
        "trained_on": [None, trained_on],
    }
    if filing.replaces_id is not None:
        predecessor = (
            RegistrarFiling.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=filing.replaces_id)
        )
        if predecessor.state in LIVE:
            predecessor.state, predecessor.ended_on = RegistrarFiling.State.ENDED, today
            predecessor.save(update_fields=["state", "ended_on"])
        leaving = predecessor.user
        if leaving.is_active:
            leaving.is_active = False
            leaving.save(update_fields=["is_active"])
        tokens_revoke(actor=None, user=leaving, reason="学籍管理员变更，离岗")
        changes["predecessor"] = [leaving.username, None]
    audit_record(
        actor=actor,
        action=actions.REGISTRAR_ACKNOWLEDGE,
        subject=filing,
        school=filing.school,
        changes=changes,
        rules=["R19.1", "R19.2"] if filing.replaces_id else ["R19.1"],
    )
    return filing


@transaction.atomic
def registrar_return(*, actor: Any, filing: RegistrarFiling, reason: str) -> RegistrarFiling:
    """The district returns a filing with a reason (missing training, wrong document …)."""
    filing = _pending(actor, filing)
    reason = reason.strip()
    if len(reason) < 4:
        raise _refuse("reason", "请写明退回的理由（至少 4 个字），学校据此重新报备。", "reason")
    filing.state, filing.return_reason = RegistrarFiling.State.RETURNED, reason[:200]
    filing.decided_by, filing.decided_at = actor, clock.now()
    filing.save()
    audit_record(
        actor=actor,
        action=actions.REGISTRAR_RETURN,
        subject=filing,
        school=filing.school,
        changes={"state": [RegistrarFiling.State.FILED, filing.state]},
        rules=["R19.1"],
        note=reason,
    )
    return filing


@transaction.atomic
def registrar_record_paper_filing(
    *,
    actor: Any,
    user: User,
    full_name: str,
    phone: str,
    trained_on: dt.date,
    document: IO[bytes] | None,
    document_name: str = "",
) -> RegistrarFiling:
    """A registrar the district filed on paper before the system: entered by the district officer,
    with the scanned appointment document and the training date, in post from that date."""
    if user.school is None:
        raise _refuse("not_registrar", "只能为学校的学籍管理员账号登记备案。", "user")
    require_role(actor, (Role.DISTRICT_OFFICER,), school=user.school)
    if user.role != Role.REGISTRAR or not user.is_active:
        raise _refuse("not_registrar", "只能为在用的学籍管理员账号登记备案。", "user")
    if RegistrarFiling.objects.filter(user=user, state__in=LIVE[1:]).exists():
        raise _refuse("already_filed", f"{user.full_name}已报备或已在岗，无需登记。", "user")
    if trained_on > clock.today():
        raise _refuse("trained_on", "培训完成日期不能晚于今天。", "trained_on")
    full_name, phone = _checked_contact(full_name, phone)
    RegistrarFiling.objects.filter(user=user, state=RegistrarFiling.State.GRACE).update(
        state=RegistrarFiling.State.ENDED, ended_on=clock.today()
    )
    filing = RegistrarFiling(
        school=user.school,
        user=user,
        state=RegistrarFiling.State.ACTIVE,
        full_name=full_name,
        phone=phone,
        filed_by=actor,
        filed_at=clock.now(),
        trained_on=trained_on,
        started_on=trained_on,
        decided_by=actor,
        decided_at=clock.now(),
    )
    _attach(filing, document, document_name)
    filing.save()
    audit_record(
        actor=actor,
        action=actions.REGISTRAR_ACKNOWLEDGE,
        subject=filing,
        school=user.school,
        changes={"state": [None, filing.state], "trained_on": [None, trained_on]},
        rules=["R19.1"],
        note="上线前纸质备案",
    )
    return filing
