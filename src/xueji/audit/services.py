"""The one audit path: every service records exactly one event through ``audit_record``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from xueji.audit.models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    subject: Any,
    school: Any = None,
    changes: Mapping[str, Any] | None = None,
    rules: Iterable[str] = (),
    note: str = "",
) -> AuditEvent:
    """Write one audit event. Must run inside the calling service's transaction."""
    # An audit row outside a transaction could survive a rolled-back change, or vanish without it.
    assert transaction.get_connection().in_atomic_block, "audit_record must run inside a service transaction"
    district_code = ""
    if school is not None:
        district_code = school.district.code
    elif getattr(actor, "jurisdiction_id", None):
        district_code = actor.jurisdiction.code
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        subject_type=type(subject).__name__,
        subject_id=str(getattr(subject, "pk", subject)),
        school=school,
        district_code=district_code,
        changes=_jsonable(changes or {}),
        rules=sorted(set(rules)),
        note=note[:300],
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
