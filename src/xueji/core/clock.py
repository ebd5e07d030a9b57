"""The one clock that rules read, so tests can fix "today" (settings.XUEJI_FIXED_TODAY)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def today() -> dt.date:
    fixed = settings.XUEJI_FIXED_TODAY
    if fixed:
        return dt.date.fromisoformat(fixed)
    return timezone.localdate()  # Asia/Shanghai: a registrar's "today", not UTC's


def now() -> dt.datetime:
    return timezone.now()
