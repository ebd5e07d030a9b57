"""`xueji demo` and `xueji serve`: seed once, print the logins, hand over to gunicorn, fail clearly."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from xueji.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from xueji.students.models import Student


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_seeds_once_prints_the_logins_and_execs_gunicorn(monkeypatch, settings):
    launched = []
    monkeypatch.setattr(
        "xueji.core.management.commands.demo.exec_gunicorn", lambda argv, env: launched.append((argv, env))
    )
    first = _run("demo", "--demo-database", "--port", "8765", "--students", "30")
    assert "演示区已建立" in first
    for account in DEMO_ACCOUNTS:
        assert account.username in first
    assert DEMO_PASSWORD in first and "Username" in first and "用户名" in first
    assert Student.objects.count() == 30

    ((argv, env),) = launched
    assert argv[:4] == [sys.executable, "-m", "gunicorn", "xueji.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8765"
    assert 2 <= int(argv[argv.index("--workers") + 1]) <= 3
    assert argv[argv.index("--access-logfile") + 1] == "-"
    assert env["XUEJI_ENV"] == "demo" and env["XUEJI_DATA_DIR"] == str(settings.DATA_DIR)

    again = _run("demo", "--demo-database", "--no-serve", "--students", "30")
    assert "演示区已存在" in again and "hq_registrar" in again
    assert Student.objects.count() == 30
    assert len(launched) == 1  # --no-serve does not serve


def test_demo_refuses_a_production_database(settings):
    settings.ENV = "production"
    with pytest.raises(CommandError, match="生产环境"):
        call_command("demo", "--demo-database", "--no-serve")


@pytest.mark.django_db
def test_serve_refuses_unsafe_production_settings(settings):
    settings.ENV = "production"
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = []
    with pytest.raises(CommandError) as refused:
        call_command("serve", "--dry-run")
    message = str(refused.value)
    assert "DEBUG" in message and "ALLOWED_HOSTS" in message and "collectstatic" in message
    # Production needs PostgreSQL: refused on the SQLite run of the suite, accepted on the PostgreSQL run.
    assert ("PostgreSQL" in message) == (connection.vendor != "postgresql")


@pytest.mark.django_db
def test_serve_runs_gunicorn_with_the_given_options():
    out = _run("serve", "--dry-run", "--host", "0.0.0.0", "--port", "8123", "--workers", "3")  # noqa: S104
    assert f"{sys.executable} -m gunicorn xueji.wsgi:application --bind 0.0.0.0:8123 --workers 3" in out


def test_serve_without_secret_key_in_production_fails_with_a_clear_message(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "SECRET_KEY_FILE", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(XUEJI_ENV="production", XUEJI_DATA_DIR=str(tmp_path / "var"))
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "xueji", "serve", "--dry-run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "gunicorn" not in result.stdout


def test_readme_shows_the_same_demo_logins():
    """The README's login table comes from xueji.demo.accounts.logins_markdown(); keep them equal."""
    readme = Path(__file__).resolve().parents[2] / "README.md"
    if not readme.exists():
        pytest.skip("no README.md yet")
    text = readme.read_text(encoding="utf-8")
    if "xueji demo" not in text:
        pytest.skip("the README does not describe the demo yet")
    missing = [a.username for a in DEMO_ACCOUNTS if a.featured and a.username not in text]
    assert not missing and DEMO_PASSWORD in text, (
        f"README 缺少演示账号 {missing}：请用 logins_markdown() 重新生成"
    )


def test_demo_refuses_more_students_than_seats(db):
    with pytest.raises(CommandError, match="学位"):
        call_command("demo", "--demo-database", "--no-serve", "--students", "100000", stdout=io.StringIO())


def test_readme_shows_the_demo_2fa_secrets_and_its_one_line_code_matches_xueji_totp(world):
    """R21.1: the demo's published secrets are in the README, and both ways the README gives to
    compute a code (`xueji totp`, the Python one-liner) give the code the server accepts."""
    import re
    import subprocess
    import sys

    from xueji.org.second_factor import device_install_known

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    needing = [a for a in DEMO_ACCOUNTS if a.featured and a.needs_second_factor]
    assert needing and all(a.totp_secret in readme for a in needing)
    officer = next(a for a in needing if a.username == "bg_officer")
    device_install_known(actor=world.admin, user=world.officer, key_hex=officer.totp_key.hex())
    one_liner = re.search(r'`python3 -c "(.+?)"`', readme).group(1).replace("SECRET", officer.totp_secret)
    for _ in range(2):  # a 30-second step may turn between the two
        out = io.StringIO()
        call_command("totp", "officer_bg", stdout=out, stderr=io.StringIO())
        computed = subprocess.run(  # noqa: S603 (the README's own command)
            [sys.executable, "-c", one_liner], capture_output=True, text=True, check=True
        ).stdout.strip()
        if out.getvalue().strip() == computed:
            break
    assert out.getvalue().strip() == computed and len(computed) == 6
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert TOTPDevice.objects.get(user=world.officer).verify_token(computed)


def test_totp_refuses_in_production(world, settings):
    settings.ENV = "production"
    with pytest.raises(CommandError, match="生产环境"):
        call_command("totp", "officer_bg", stdout=io.StringIO())


def test_demo_refuses_a_database_that_is_not_sqlite_unless_told(db, monkeypatch):
    monkeypatch.setattr("xueji.core.management.commands.demo._is_sqlite", lambda: False)
    with pytest.raises(CommandError, match="--demo-database"):
        call_command("demo", "--no-serve", stdout=io.StringIO())
    assert not Student.objects.exists()
