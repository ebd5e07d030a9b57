"""``xueji import students FILE --school CODE``, and an import killed halfway (kill -9) on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.conftest import said
from tests.exchange.conftest import child, fill, read_sheet, template_bytes
from tests.factories import make_id
from xueji.exchange.models import ImportJob
from xueji.students.models import Enrollment, FamilyMember, Student, XjhAlias


def test_cli_imports_with_a_progress_bar(world, tmp_path, capsys):
    path = tmp_path / "新生.xlsx"
    path.write_bytes(fill(template_bytes(), [child(dt.date(2020, 3, 15)), child(dt.date(2020, 4, 1))]))
    call_command("import", "students", str(path), school=world.school_a.code)
    out, err = capsys.readouterr()
    assert "已导入" in out and "导入 2 行" in out
    assert "写入学籍 [" in err and "2/2 行" in err
    assert Student.objects.count() == 2
    assert ImportJob.objects.get().created_by == world.registrar_a


def test_cli_refusal_writes_the_report_beside_the_file_and_exits_1(world, tmp_path, capsys):
    path = tmp_path / "新生.xlsx"
    path.write_bytes(fill(template_bytes(), [child(dt.date(2020, 3, 15)), child(dt.date(2020, 9, 1))]))
    with pytest.raises(SystemExit) as exc:
        call_command("import", "students", str(path), school=world.school_a.code)
    assert exc.value.code == 1
    report = tmp_path / "新生.错误报告.xlsx"
    assert report.exists() and said("R3.2") in read_sheet(report.read_bytes())[1]["错误说明"]
    assert not Student.objects.exists()


def test_cli_names_what_is_wrong_with_its_arguments(world, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="没有学校标识码"):
        call_command("import", "students", str(path), school="0000000000")
    with pytest.raises(CommandError, match="不是 .* 的在用学籍管理员"):
        call_command("import", "students", str(path), school=world.school_a.code, user="reg_c")
    with pytest.raises(CommandError, match="无法读取"):
        call_command("import", "students", str(path), school=world.school_a.code)
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("import", "students", str(tmp_path / "missing.xlsx"), school=world.school_a.code)


def _cohort(n: int) -> list[dict]:
    """n children of one entry cohort (born 2019-09-01 … 2020-08-31), every ID number distinct."""
    start = dt.date(2019, 9, 1)
    rows = []
    for i in range(n):
        birth = start + dt.timedelta(days=i % 366)
        rows.append(child(birth, 身份证件号=make_id(birth, seq=i // 366), 姓名="王小明"))
    return rows


def _start_import(world, tmp_path):
    """The command-line import of 4,000 rows in a process of its own, stopped while it writes."""
    path = tmp_path / "big.xlsx"
    path.write_bytes(fill(template_bytes(), _cohort(4000)))
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "XUEJI_ENV": "test",
        "XUEJI_DATA_DIR": str(tmp_path / "data"),
        "XUEJI_FIXED_TODAY": "2026-09-10",
        "XUEJI_IMPORT_BATCH_SIZE": "20",
        "DJANGO_SETTINGS_MODULE": "xueji.settings",
    }
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "xueji", "import", "students", str(path), "--school", world.school_a.code],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    progress_dir = tmp_path / "data" / "imports"
    deadline = time.monotonic() + 120
    seen = None
    while time.monotonic() < deadline and process.poll() is None:
        for file in progress_dir.glob("*.progress.json"):
            try:
                seen = json.loads(file.read_text())
            except ValueError:
                continue
        if seen and seen["phase"] == "write" and 0 < seen["done"] < seen["total"]:
            break
        time.sleep(0.01)
    assert process.poll() is None, "the import finished before it could be stopped"
    assert seen and seen["phase"] == "write" and seen["done"] > 0
    return process, path


def _nothing_written() -> None:
    for model in (Student, XjhAlias, FamilyMember, Enrollment, Student.history.model):
        assert not model.objects.exists(), model.__name__


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the crash test needs a database server")
@pytest.mark.django_db(transaction=True)
def test_import_killed_halfway_leaves_no_partial_rows(world, tmp_path, settings):
    """kill -9 while the rows are being written: the one transaction dies with the process, and
    its place in the queue with it (its process is gone), so the school's next import runs."""
    settings.IMPORT_DIR = tmp_path / "data" / "imports"  # one deployment: the command's data folder
    process, path = _start_import(world, tmp_path)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    # Rows were inserted inside the open transaction; none may survive.
    _nothing_written()
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.RUNNING and not job.is_final  # shown as interrupted later
    # Nothing is left locked either: the same file imports completely afterwards.
    from xueji.exchange import services

    again = services.import_job_create(
        actor=world.registrar_a, school=world.school_a, data=path.read_bytes(), original_name="big.xlsx"
    )
    assert services.import_job_run(again.pk).imported == 4000


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the crash test needs a database server")
@pytest.mark.django_db(transaction=True)
def test_import_whose_database_session_dies_halfway_leaves_no_partial_rows(world, tmp_path):
    """The database ends the import's session while it writes (what a restart of PostgreSQL does
    to every session): the transaction is rolled back, and the job says it failed."""
    process, path = _start_import(world, tmp_path)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    assert process.wait(timeout=60) == 1  # the command reports the failure and exits 1
    _nothing_written()
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.FAILED and "没有写入任何记录" in job.message
    from xueji.exchange import services

    again = services.import_job_create(
        actor=world.registrar_a, school=world.school_a, data=path.read_bytes(), original_name="big.xlsx"
    )
    assert services.import_job_run(again.pk).imported == 4000


def _command_env(tmp_path, **extra) -> dict[str, str]:
    db = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "XUEJI_ENV": "test",
        "XUEJI_DATA_DIR": str(tmp_path / "data"),
        "XUEJI_FIXED_TODAY": "2026-09-10",
        "DJANGO_SETTINGS_MODULE": "xueji.settings",
        **extra,
    }


def test_the_memory_cap_stops_the_process_not_the_machine():
    """The cap holds in a process of its own: a small allocation passes, one beyond it fails."""
    script = (
        "from xueji.exchange import memory\n"
        "assert memory.cap(64)\n"
        "small = bytearray(16 * 2**20)\n"
        "try:\n"
        "    big = bytearray(256 * 2**20)\n"
        "except MemoryError:\n"
        "    print('refused')\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "refused"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the import process needs a database server")
@pytest.mark.django_db(transaction=True)
def test_an_import_beyond_its_memory_ends_in_words_and_writes_nothing(world, tmp_path, settings):
    """The page's import process, capped far below what 4,000 rows take: the job fails with a
    message saying what to do, nothing is written, and its place in the queue is free. (Whether
    the capped process raises MemoryError or the workbook reader aborts it, the job says so.)"""
    from xueji.exchange import services

    settings.IMPORT_DIR = tmp_path / "data" / "imports"  # one deployment: the command's data folder
    data = fill(template_bytes(), _cohort(4000))
    job = services.import_job_create(
        actor=world.registrar_a, school=world.school_a, data=data, original_name="big.xlsx"
    )
    done = subprocess.run(  # noqa: S603 - our own command with a job number
        [sys.executable, "-m", "xueji", "run_import", str(job.pk)],
        env=_command_env(tmp_path, XUEJI_IMPORT_MEMORY_MB="8"),
        capture_output=True,
        timeout=120,
        check=False,
    )
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED, done.stderr.decode()[-2000:]
    assert job.message in (services.MSG_TOO_LARGE, services.MSG_DIED)
    _nothing_written()
    assert not services.running_imports()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the import process needs a database server")
@pytest.mark.django_db(transaction=True)
def test_the_import_process_runs_a_job_within_the_default_cap(world, tmp_path, settings):
    from xueji.exchange import services

    settings.IMPORT_DIR = tmp_path / "data" / "imports"
    data = fill(template_bytes(), _cohort(500))
    job = services.import_job_create(
        actor=world.registrar_a, school=world.school_a, data=data, original_name="a.xlsx"
    )
    done = subprocess.run(  # noqa: S603 - our own command with a job number
        [sys.executable, "-m", "xueji", "run_import", str(job.pk)],
        env=_command_env(tmp_path),
        capture_output=True,
        timeout=180,
        check=False,
    )
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.imported == 500, done.stderr.decode()[-2000:]
