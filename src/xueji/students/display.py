"""A stored value of the student's own as a person reads it: a code's name (never the code), a
region's name, 是/否, a date in Chinese, an ID number masked. Pages, prints, audit notes and the
information change's old → new read it here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from xueji.core import identity
from xueji.students.models import Student

# R21.1: health and disability are shown only where the task needs them (the registrar keeping the
# record); everyone else reads this.
SENSITIVE = ("health", "regular_class_disabled", "disability")
MASKED = "（敏感信息，不显示）"


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
