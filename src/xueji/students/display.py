"""A stored value of the student's own as a person reads it: a code's name (never the code), a
region's name, 是/否, a date in Chinese, an ID number masked. Pages, prints, audit notes and the
information change's old → new read it here."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.db import models

from xueji.core import identity
from xueji.students.models import FamilyMember, Student

# R21.1: health, disability and aid are masked for everyone by default; the school that keeps the
# record may reveal them, and each reveal is logged (actions.STUDENT_REVEAL).
SENSITIVE = ("health", "regular_class_disabled", "disability", "needs_aid", "one_subsidy")
MASKED = "（敏感信息，不显示）"
# R21.1: how to reach the family is the keeping registrar's task; everyone else reads these masked
# (a phone's last four digits, an address down to its district).
CONTACT = ("phone", "current_address", "mailing_address", "home_address", "email")


def contact_masked(field: str, value: Any) -> str:
    """A contact field as a reader who does not keep the record reads it."""
    if value in (None, ""):
        return "（空）"
    if field == "phone":
        return identity.mask_phone(str(value))
    if field == "email":
        name, _at, domain = str(value).partition("@")
        return f"{name[:1]}***@{domain}" if domain else "***"
    return identity.mask_address(str(value))


def shown(field: str, value: Any, *, full: bool = False) -> str:
    """A value as a person reads it: a code's name, a region's name, 是/否, a date in Chinese; an ID
    number masked unless ``full`` (R21.1)."""
    if value in (None, ""):
        return "（空）"
    model_field = Student._meta.get_field(field)
    assert isinstance(model_field, models.Field)  # a field of the student's own
    if model_field.choices:
        return str(dict(model_field.choices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if field in ("birth_date", "id_valid_until"):
        try:
            return f"{dt.date.fromisoformat(str(value)):%Y年%m月%d日}"
        except ValueError:
            return str(value)
    if field in ("birthplace_code", "household_place_code"):
        _known, name = identity.region_info(str(value)[:6])
        return f"{name}（{value}）" if name else str(value)
    if field == "id_number" and not full:
        return identity.mask_id_number(str(value))
    return str(value)


def _label(model: Any, name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.verbose_name)


def history_masked(changes: list[Any], *, sensitive_shown: bool = False) -> list[Any]:
    """The change history as a page shows it (R21.1): that a phone, an address or an e-mail changed,
    not the values — the kept archive (R8.1) still holds them in full; health, disability and aid
    likewise unless the reader revealed them."""
    labels = {_label(Student, f): f for f in CONTACT}
    labels.setdefault(_label(FamilyMember, "phone"), "phone")
    labels.setdefault(_label(FamilyMember, "address"), "home_address")
    if not sensitive_shown:
        labels.update({_label(Student, f): f for f in SENSITIVE})

    def hide(field: str, value: str) -> str:
        if value in ("", "（空）"):
            return value
        return MASKED if field in SENSITIVE else contact_masked(field, value)

    return [
        replace(c, old=hide(labels[c.field], c.old), new=hide(labels[c.field], c.new))
        if c.field in labels
        else c
        for c in changes
    ]
