"""Reads of the audit trail, for auditors of a jurisdiction (R21.1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from xueji.audit.models import AuditEvent
from xueji.org.permissions import READ_AUDIT


def audit_event_list(
    *,
    requested_by: Any,
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    actor: str = "",
    school_id: int | None = None,
    subjects: tuple[str, Iterable[Any]] | None = None,
) -> QuerySet[AuditEvent]:
    """The events under the auditor's jurisdiction, newest first, narrowed by the page's filters:
    an action (or an action prefix ending in "."), days (inclusive, local time), the actor's user
    name or name, a school, and subjects (a type and its ids)."""
    user = requested_by
    if not user.is_authenticated or not user.has_role(*READ_AUDIT):
        return AuditEvent.objects.none()
    rows = AuditEvent.objects.select_related("actor", "school").filter(
        district_code__startswith=user.jurisdiction.scope_prefix
    )
    if action:
        rows = rows.filter(action__startswith=action) if action.endswith(".") else rows.filter(action=action)
    zone = timezone.get_current_timezone()
    if date_from is not None:
        rows = rows.filter(at__gte=dt.datetime.combine(date_from, dt.time.min, zone))
    if date_to is not None:
        rows = rows.filter(at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, zone))
    if actor:
        rows = rows.filter(Q(actor__username=actor) | Q(actor__full_name__contains=actor))
    if school_id is not None:
        rows = rows.filter(school_id=school_id)
    if subjects is not None:
        kind, ids = subjects
        rows = rows.filter(subject_type=kind, subject_id__in=[str(i) for i in ids])
    return rows


def actions_since(*, actor: Any, action: str, since: dt.datetime) -> int:
    """How often ``actor`` did ``action`` since then: a throttle's count (the user's own rows only,
    read by the service that throttles it, never shown)."""
    return AuditEvent.objects.filter(actor=actor, action=action, at__gte=since).count()
