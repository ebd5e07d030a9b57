"""The one clock (core.clock, decision 0022): a fixed day (tests) or a shift of whole days (the demo)
moves today() and now() together, and Django's timestamps with them; production refuses both."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from xueji.core import clock
from xueji.org.models import ApiToken
from xueji.org.tokens import api_token_issue

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(SHANGHAI)


def real_today() -> dt.date:
    return local(clock.real_now()).date()


@pytest.fixture
def real(settings):
    settings.XUEJI_FIXED_TODAY = None
    settings.XUEJI_CLOCK_SHIFT_DAYS = 0
    return settings


def test_unmoved_the_clock_is_the_real_time_in_shanghai(real):
    before = clock.real_now()
    now = clock.now()
    assert before <= now <= clock.real_now()
    assert clock.today() in {local(before).date(), local(clock.real_now()).date()}
    assert not clock.is_moved()


def test_a_fixed_day_moves_today_and_now_together(settings):
    settings.XUEJI_FIXED_TODAY = "2027-03-15"
    settings.XUEJI_CLOCK_SHIFT_DAYS = 400  # a fixed day wins over a shift
    real = local(clock.real_now())
    now = local(clock.now())
    assert clock.today() == now.date() == dt.date(2027, 3, 15)
    # The real time of day: time still runs within the fixed day.
    assert abs(now.replace(year=real.year, month=real.month, day=real.day) - real) < dt.timedelta(seconds=5)
    assert now.tzinfo is not None and clock.now().utcoffset() == dt.timedelta(0)
    assert clock.is_moved()


@pytest.mark.parametrize("day", ["2026-01-01", "2027-03-15", "2028-02-29", "2030-09-05", "2024-12-31"])
def test_a_shift_of_whole_days_makes_that_day_today_and_time_runs_on(real, day):
    target = dt.date.fromisoformat(day)
    real.XUEJI_CLOCK_SHIFT_DAYS = clock.shift_to(target)
    assert clock.today() == target == local(clock.now()).date()
    moved = clock.now() - clock.real_now()
    assert abs(moved - dt.timedelta(days=real.XUEJI_CLOCK_SHIFT_DAYS)) < dt.timedelta(seconds=5)
    first = clock.now()
    assert clock.now() >= first  # runs on, never stands still or goes back


def test_django_now_follows_the_clock_so_auto_now_fields_agree_with_the_rules(real):
    real.XUEJI_CLOCK_SHIFT_DAYS = clock.shift_to(dt.date(2028, 7, 20))
    assert abs(timezone.now() - clock.now()) < dt.timedelta(seconds=5)
    real.XUEJI_FIXED_TODAY = "2030-09-05"
    assert local(timezone.now()).date() == dt.date(2030, 9, 5)


@pytest.mark.parametrize(
    ("fixed", "target"), [(None, dt.date(2027, 3, 15)), ("2030-09-05", None), (None, dt.date(2026, 2, 1))]
)
def test_a_service_timestamp_lands_on_the_moved_day(world, real, fixed, target):
    """clock.now() (expires_at) and auto_now_add (created_at, the audit event) on the same day."""
    if target is not None:
        real.XUEJI_CLOCK_SHIFT_DAYS = clock.shift_to(target)
    real.XUEJI_FIXED_TODAY = fixed
    day = clock.today()
    _raw, token = api_token_issue(user=world.registrar_a)
    token = ApiToken.objects.get(pk=token.pk)
    assert local(token.created_at).date() == day
    assert local(token.expires_at).date() == day + dt.timedelta(days=30)
    from xueji.audit.models import AuditEvent

    event = AuditEvent.objects.get(action="api_token.issue")
    assert local(event.at).date() == day


def test_a_transfer_verification_is_valid_for_a_day_on_a_shifted_clock(world, real):
    """A verification (auto_now_add) and the rule reading it (clock.now() − 24 h) share one clock."""
    from tests.factories import enrolled
    from xueji.changes.kinds.transfer.selectors import verified_student
    from xueji.changes.kinds.transfer.services import transfer_verify
    from xueji.core.errors import RuleViolation

    real.XUEJI_FIXED_TODAY = "2026-09-10"
    student = enrolled(world.school_c, grade=3, name="陈小北")
    for day in (dt.date(2025, 11, 3), dt.date(2027, 3, 15)):  # behind the real date, and ahead of it
        real.XUEJI_FIXED_TODAY = None
        real.XUEJI_CLOCK_SHIFT_DAYS = clock.shift_to(day)
        transfer_verify(requested_by=world.registrar_a, id_number=student.id_number, name="陈小北")
        assert verified_student(requested_by=world.registrar_a, pk=student.pk) == student
        real.XUEJI_CLOCK_SHIFT_DAYS += 2  # two days later the verification has run out
        with pytest.raises(RuleViolation):
            verified_student(requested_by=world.registrar_a, pk=student.pk)


def test_a_login_lasts_real_hours_whatever_the_calendar_says(world, client, settings):
    """Sessions keep the real clock: moving the demo's day neither ends a login nor extends it."""
    client.force_login(world.registrar_a)
    assert client.get("/").status_code == 200
    settings.XUEJI_FIXED_TODAY = "2026-10-20"
    assert client.get("/").status_code == 200
    settings.XUEJI_FIXED_TODAY = None
    settings.XUEJI_CLOCK_SHIFT_DAYS = 3
    assert client.get("/").status_code == 200


def test_demo_files_on_still_fixes_the_day_for_a_few_calls(settings):
    from xueji.changes.kinds.demo_files import on

    settings.XUEJI_FIXED_TODAY = None
    settings.XUEJI_CLOCK_SHIFT_DAYS = clock.shift_to(dt.date(2027, 3, 15))
    with on(dt.date(2027, 2, 1)):
        assert clock.today() == local(clock.now()).date() == dt.date(2027, 2, 1)
    assert clock.today() == dt.date(2027, 3, 15)
    with clock.fixed(dt.date(2026, 7, 15)):
        assert local(timezone.now()).date() == dt.date(2026, 7, 15)
    assert clock.today() == dt.date(2027, 3, 15)


# ------------------------------------------------------------------ production refuses a moved clock


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixed", "shift"), [("2026-09-10", 0), (None, 101), (None, -3)], ids=["fixed", "ahead", "behind"]
)
def test_serve_refuses_a_fixed_or_shifted_clock_in_production(settings, fixed, shift):
    settings.ENV = "production"
    settings.XUEJI_FIXED_TODAY = fixed
    settings.XUEJI_CLOCK_SHIFT_DAYS = shift
    with pytest.raises(CommandError) as refused:
        call_command("serve", "--dry-run")
    assert "生产环境必须按真实日期运行" in str(refused.value)


@pytest.mark.django_db
def test_serve_does_not_mention_the_clock_when_it_is_real(settings):
    settings.ENV = "production"
    settings.XUEJI_FIXED_TODAY = None
    settings.XUEJI_CLOCK_SHIFT_DAYS = 0
    with pytest.raises(CommandError) as refused:  # still refused here: no PostgreSQL, no static files…
        call_command("serve", "--dry-run")
    assert "真实日期" not in str(refused.value)


def _xueji(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"XUEJI_FIXED_TODAY", "XUEJI_CLOCK_SHIFT_DAYS", "XUEJI_ENV", "DJANGO_SETTINGS_MODULE"}
    }
    clean.update(XUEJI_DATA_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "xueji", *args],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "variable", [("XUEJI_FIXED_TODAY", "2027-03-15"), ("XUEJI_CLOCK_SHIFT_DAYS", "101")], ids=lambda v: v[0]
)
def test_production_settings_refuse_a_clock_moved_by_the_environment(tmp_path, variable):
    """Not silently honoured, not silently ignored: every command stops with the reason."""
    name, value = variable
    result = _xueji(
        tmp_path, "serve", "--dry-run", XUEJI_ENV="production", SECRET_KEY="x" * 50, **{name: value}
    )
    assert result.returncode == 2
    assert "生产环境不能固定或平移时钟" in result.stderr and name in result.stderr
    assert "Traceback" not in result.stderr and "gunicorn" not in result.stdout


def test_a_malformed_clock_variable_fails_loudly(tmp_path):
    result = _xueji(tmp_path, "check", XUEJI_ENV="demo", XUEJI_FIXED_TODAY="2027-02-30")
    assert result.returncode == 2 and "XUEJI_FIXED_TODAY" in result.stderr
    assert "Traceback" not in result.stderr
    result = _xueji(tmp_path, "check", XUEJI_ENV="demo", XUEJI_CLOCK_SHIFT_DAYS="three")
    assert result.returncode == 2 and "XUEJI_CLOCK_SHIFT_DAYS" in result.stderr
