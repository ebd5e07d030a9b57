"""Reads of the audit trail, for auditors of a jurisdiction (R21.1)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xueji.audit.models import AuditEvent
from xueji.org.permissions import READ_AUDIT


def audit_event_list(*, requested_by: Any, action: str = "") -> QuerySet[AuditEvent]:
    user = requested_by
    if not user.is_authenticated or not user.has_role(*READ_AUDIT):
        return AuditEvent.objects.none()
    rows = AuditEvent.objects.select_related("actor", "school").filter(
        district_code__startswith=user.jurisdiction.scope_prefix
    )
    return rows.filter(action__startswith=action) if action else rows
