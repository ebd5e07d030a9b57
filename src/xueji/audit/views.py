"""The auditor's page (R21.1): the log of the auditor's jurisdiction in Chinese — what was done, by
whom, to which student (masked name and school, never a bare id) — filtered by days, person,
school, action and student, and exported (itself logged)."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from collections import defaultdict
from typing import Any

from django.apps import apps as django_apps
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from xueji.audit import actions
from xueji.audit.labels import LABELS, action_label, note_label, subject_label
from xueji.audit.models import AuditEvent
from xueji.audit.selectors import audit_event_list
from xueji.audit.services import access_record
from xueji.changes.kinds.registry import KINDS
from xueji.changes.models import Case
from xueji.core import clock, saved_search
from xueji.core.articles import articles
from xueji.core.identity import normalize_id_number
from xueji.core.web import AuthenticatedRequest, route
from xueji.exchange import exports
from xueji.org.models import User
from xueji.org.selectors import audit_schools
from xueji.students.models import Student

PAGE_SIZE = 100
EXPORT_MAX = 50_000
TERMS = ("date_from", "date_to", "actor", "school", "action", "student")


def _kinds() -> dict[str, str]:
    return {key: kind.label for key, kind in KINDS.items()}


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


def _rows(request: AuthenticatedRequest, params: Any) -> tuple[QuerySet[AuditEvent], str]:
    """The filtered events and, if the student filter found no one, a word saying so."""
    user = request.user
    school = None
    if params.get("school", "").isdecimal():
        school = audit_schools(requested_by=user).filter(pk=int(params["school"])).first()
    subjects, said = None, ""
    number = normalize_id_number(params.get("student", ""))
    if number:
        # The auditor names a student by 学籍号 or ID number; events are found by the record's id.
        ids = list(
            Student.objects.filter(Q(xjh=number) | Q(id_number=number)).values_list("pk", flat=True)[:5]
        )
        subjects = ("Student", ids)
        said = "" if ids else "没有这个学籍号或身份证件号的学生。"
    rows = audit_event_list(
        requested_by=user,
        action=params.get("action", "")[:60],
        date_from=_date(params.get("date_from")),
        date_to=_date(params.get("date_to")),
        actor=params.get("actor", "").strip()[:30],
        school_id=school.pk if school is not None else None,
        subjects=subjects,
    )
    return rows, said


def _subjects(events: list[AuditEvent]) -> dict[tuple[str, str], str]:
    """What each event was about, in words, with one query per subject type on the page."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for e in events:
        if e.subject_id.isdecimal():
            wanted[e.subject_type].add(int(e.subject_id))
    shown: dict[tuple[str, str], str] = {}
    for s in Student.objects.filter(pk__in=wanted.get("Student", ())).only("pk", "name"):
        shown["Student", str(s.pk)] = f"学生 {_masked_name(s.name)}"
    for c in Case.objects.filter(pk__in=wanted.get("Case", ())).only("pk", "number", "kind"):
        shown["Case", str(c.pk)] = f"学籍变动 {c.number}"
    for u in User.objects.filter(pk__in=wanted.get("User", ())).only("pk", "full_name", "username"):
        shown["User", str(u.pk)] = f"账号 {u.full_name or u.username}"
    return shown


def _masked_name(name: str) -> str:
    # R21.1: the auditor sees whose record, not the whole name: 王小明 → 王*明, 李四 → 李*.
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 2 or 1) + (name[-1] if len(name) > 2 else "")


def _described(events: list[AuditEvent]) -> list[dict[str, Any]]:
    kinds, subjects = _kinds(), _subjects(events)
    return [
        {
            "event": e,
            "action": action_label(e.action, kinds),
            "subject": subjects.get((e.subject_type, e.subject_id))
            or (f"{subject_label(e.subject_type)}（记录号 {e.subject_id}）" if e.subject_type else "—"),
            "note": note_label(e.note, kinds),
            "changes": [(key, _value(old), _value(new)) for key, (old, new) in _pairs(e.changes)],
            "articles": articles(e.rules),
        }
        for e in events
    ]


def _pairs(changes: Any) -> list[tuple[str, tuple[Any, Any]]]:
    if not isinstance(changes, dict):
        return []
    labels = _field_labels()
    return [
        (labels.get(k) or k, (v[0], v[1])) for k, v in changes.items() if isinstance(v, list) and len(v) == 2
    ]


@functools.cache
def _field_labels() -> dict[str, str]:
    """A changed field's name as the forms call it (xjh → 学籍号), from every model's fields."""
    labels: dict[str, str] = {
        "state": "状态",
        "step_key": "办理环节",
        "is_overdue": "是否逾期",
        "origin": "来源",
    }
    for model in django_apps.get_models():
        for field in model._meta.get_fields():
            verbose = getattr(field, "verbose_name", None)
            if verbose and str(verbose) != field.name.replace("_", " "):
                labels.setdefault(field.name, str(verbose))
    return labels


def _value(value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    return str(value)


@route("audit:events")
def events(request: AuthenticatedRequest) -> HttpResponseBase:
    # The student filter takes a 学籍号 or ID number: posted and kept on the server (R21.1).
    params, key, moved = saved_search.resolve(request, "audit:events", TERMS)
    if moved is not None:
        return moved
    if request.GET.get("export") == "xlsx":
        return _export(request, params)
    rows, said = _rows(request, params)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    kinds = _kinds()
    choices = sorted(LABELS.items(), key=lambda item: item[0]) + [
        (f"{key}.", f"{label}（全部环节）") for key, label in kinds.items()
    ]
    context = {
        "page": page,
        "rows": _described(list(page.object_list)),
        "params": params,
        "key": key,
        "said": said,
        "actions": choices,
        "schools": audit_schools(requested_by=request.user),
        "page_base": f"?s={key}&" if key else "?",
    }
    return render(request, "audit/events.html", context)


def _export(request: AuthenticatedRequest, params: Any) -> HttpResponseBase:
    rows, _ = _rows(request, params)
    events = list(rows[:EXPORT_MAX])
    described = _described(events)
    fields = [
        exports.Field(
            "时间",
            lambda d: timezone.localtime(d["event"].at).replace(tzinfo=None),
            kind=exports.DATETIME,
            width=17,
        ),
        exports.Field(
            "操作人", lambda d: d["event"].actor.full_name if d["event"].actor else "系统", width=10
        ),
        exports.Field("操作", lambda d: d["action"], width=18),
        exports.Field("对象", lambda d: d["subject"], width=18),
        exports.Field("学校", lambda d: d["event"].school.name if d["event"].school else "", width=24),
        exports.Field("依据", lambda d: d["articles"], width=14),
        exports.Field("变更", lambda d: "；".join(f"{k}：{o} → {n}" for k, o, n in d["changes"]), width=40),
        exports.Field("说明", lambda d: d["note"], width=40),
    ]
    out = tempfile.TemporaryFile()  # closed (and so deleted) by the response once sent
    count = exports.write_sheet(
        out,
        title="审计日志",
        fields=fields,
        rows=described,
        watermark=exports.internal_watermark(request.user),
    )
    access_record(actor=request.user, action=actions.AUDIT_EXPORT, note=f"审计日志 {count} 条")  # R21.1
    out.seek(0)
    name = exports.filename("审计日志", clock.today())
    return exports.xlsx_response(out, name=name, fallback=exports.filename("audit_log", clock.today()))
