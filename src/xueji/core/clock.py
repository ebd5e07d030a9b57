"""The one clock: the "today" that rules read and the "now" that services write (decision 0022).

Real time, in Asia/Shanghai for dates, unless the clock is moved, which only the tests and the demo
may do (production settings refuse both, and so does ``xueji serve``):

- ``settings.XUEJI_FIXED_TODAY`` ("YYYY-MM-DD"): today() is that day, now() is that day at the
  real time of day. The tests set it; a demo seed sets it for a few calls (changes.kinds.demo_files.on).
- ``settings.XUEJI_CLOCK_SHIFT_DAYS`` (an integer): the real time moved by that many whole days, so
  time runs on from the shifted day. ``xueji demo --today 2027-03-15`` sets it, and passes it to the
  server's workers, which keep the same shift even after midnight or a restart.

A fixed day wins over a shift. Whatever is set, today() and now() agree: now() in Asia/Shanghai
falls on today(), so a timestamp a service writes on the moved day lies on that day.

In the demo and the tests, ``install()`` (called by the settings) makes this now() Django's
``timezone.now`` too, so ``auto_now``/``auto_now_add`` fields, sessions, login times and the change
history follow the same clock as the rules that compare with them (a verification's 24 hours, an
export job's heartbeat). Production never installs it: there Django's clock is the real one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone

# Django's own clock, kept before install() replaces it: the real time, always (kept on the module
# too, so a reload of this one never mistakes the installed clock for the real one).
real_now = getattr(timezone, "real_now", timezone.now)


def fixed_day() -> dt.date | None:
    """The day the clock is fixed to, or None."""
    fixed = settings.XUEJI_FIXED_TODAY
    if not fixed:
        return None
    return fixed if isinstance(fixed, dt.date) else dt.date.fromisoformat(fixed)


def shift_days() -> int:
    return int(getattr(settings, "XUEJI_CLOCK_SHIFT_DAYS", 0) or 0)


def is_moved() -> bool:
    """True when the clock is fixed or shifted (the tests and the demo; production refuses it)."""
    return bool(settings.XUEJI_FIXED_TODAY) or shift_days() != 0


def now() -> dt.datetime:
    """The current moment (aware, UTC), on the fixed or shifted day if there is one."""
    real = real_now()
    day = fixed_day()
    if day is not None:
        local = timezone.localtime(real, timezone.get_default_timezone())
        return dt.datetime.combine(day, local.timetz()).astimezone(dt.UTC)
    shift = shift_days()
    return real + dt.timedelta(days=shift) if shift else real


def today() -> dt.date:
    """A registrar's today: the date in Asia/Shanghai, not UTC's."""
    day = fixed_day()
    if day is not None:
        return day
    return timezone.localtime(now(), timezone.get_default_timezone()).date()


def shift_to(day: dt.date) -> int:
    """The whole days between the real today and ``day``: the shift that makes ``day`` today."""
    real_today = timezone.localtime(real_now(), timezone.get_default_timezone()).date()
    return (day - real_today).days


@contextlib.contextmanager
def fixed(day: dt.date) -> Iterator[None]:
    """Run a few calls as if today were ``day`` (the demo's seed), then restore the clock."""
    before = settings.XUEJI_FIXED_TODAY
    settings.XUEJI_FIXED_TODAY = day.isoformat()
    try:
        yield
    finally:
        settings.XUEJI_FIXED_TODAY = before


class _RealTime:
    """django.utils.timezone as the session backends see it: everything the same, but now() real."""

    now = staticmethod(lambda: real_now())

    def __getattr__(self, name: str) -> object:
        return getattr(timezone, name)


def install() -> None:
    """Make Django's ``timezone.now`` this clock (demo and tests only; see the module's docstring).

    Logins are the exception: a session lasts SESSION_COOKIE_AGE of real time (like its cookie),
    so moving the calendar neither ends a login nor makes one last for days. Code that imported
    ``now`` from django.utils.timezone by name (the migration recorder, the database cache) keeps
    the real time too, which is what it should keep.
    """
    from django.contrib.sessions.backends import base as session_base
    from django.contrib.sessions.backends import db as session_db

    timezone.real_now = real_now  # type: ignore[attr-defined]
    timezone.now = now
    # The backends import django.utils.timezone as a module global, which their stubs leave out.
    session_base.timezone = session_db.timezone = _RealTime()  # type: ignore[attr-defined]
