"""The one audit path: every service records exactly one event through ``audit_record``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from xueji.audit.masking import mask_text, mask_value
from xueji.audit.models import AuditEvent
from xueji.core import bulk_insert, identity


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
    _require_transaction()
    event = _event(actor, action, subject, school, changes, rules, note)
    event.save(force_insert=True)
    return event


def audit_record_many(*, actor: Any, school: Any, events: Iterable[Mapping[str, Any]]) -> int:
    """Write one audit event per item of a bulk service (a spreadsheet import), in batches.

    Each item holds ``audit_record``'s other arguments (action, subject, changes, rules, note, and
    ``school`` where it differs from the call's): a record imported in bulk leaves the same event as
    one registered alone.
    """
    _require_transaction()
    rows = [
        _event(
            actor,
            e["action"],
            e["subject"],
            e.get("school", school),
            e.get("changes"),
            e.get("rules", ()),
            e.get("note", ""),
        )
        for e in events
    ]
    bulk_insert.insert(AuditEvent, rows)
    return len(rows)


def _require_transaction() -> None:
    # An audit row outside a transaction could survive a rolled-back change, or vanish without it.
    # A real check, not an assert: ``python -O`` must not turn it off.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside a service transaction")


def _event(
    actor: Any,
    action: str,
    subject: Any,
    school: Any,
    changes: Mapping[str, Any] | None,
    rules: Iterable[str],
    note: str,
) -> AuditEvent:
    district_code = ""
    if school is not None:
        district_code = school.district.code
    elif getattr(actor, "jurisdiction_id", None):
        district_code = actor.jurisdiction.code
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        subject_type=_type_of(subject),
        subject_id=str(getattr(subject, "pk", subject)),
        school=school,
        district_code=district_code,
        changes=mask_value(_jsonable(changes or {})),
        rules=sorted(set(rules)),
        note=mask_text(note)[:300],
    )


def _type_of(subject: Any) -> str:
    # A model's own name, also through a lazy wrapper (request.user is a SimpleLazyObject).
    meta = getattr(subject, "_meta", None)
    return meta.object_name if meta is not None else type(subject).__name__


def _jsonable(value: Any) -> Any:
    # Plain values first: they are most of what arrives, and the Mapping check (an ABC) is slow.
    if value is None or type(value) in (str, int, bool, float):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def access_record(
    *, actor: Any, action: str, subject: Any = None, school: Any = None, note: str = ""
) -> AuditEvent:
    """R21.1: log a read of personal data (a record viewed, a search, a file downloaded).

    Reads have no service transaction, so this writes on its own; ID numbers in a search query are
    kept masked, so the log itself does not collect them.
    """
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        subject_type=_type_of(subject) if subject is not None else "",
        subject_id=str(getattr(subject, "pk", "")) if subject is not None else "",
        school=school,
        district_code=school.district.code
        if school is not None
        else (
            actor.jurisdiction.code if getattr(actor, "jurisdiction_id", None) else actor.school.district.code
        ),
        rules=["R21.1"],
        note=mask_text(note)[:300],
    )


def login_record(
    *, action: str, user: Any, username: str, address: str, actor: Any = None, note: str = ""
) -> AuditEvent:
    """A login, a failed or refused one, a logout (等保: every success and failure), about ``user``
    (None: no such account, named as typed) by ``actor`` (None for a failure: whoever typed it).
    Written on its own, as a login has no service transaction."""
    school = getattr(user, "school", None) if user is not None else None
    jurisdiction = getattr(user, "jurisdiction", None) if user is not None else None
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        subject_type="User",
        subject_id=str(user.pk) if getattr(user, "pk", None) else mask_text(username[:40]),
        school=school,
        district_code=school.district.code
        if school is not None
        else (jurisdiction.code if jurisdiction else ""),
        rules=["R21.1"],
        note=mask_text(f"{address} {note}".strip())[:300],
    )


def masked_query(q: str) -> str:
    """A search text as the log keeps it: ID numbers and 学籍号 masked (R21.1)."""
    text = (q or "").strip()[:50]
    if sum(ch.isdigit() for ch in text) >= 6:
        return identity.mask_xjh(text)
    return text
