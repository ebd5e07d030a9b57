"""On SQLite an export job waits for another writer instead of failing ("database is locked").

Proved on a database file of its own in a process of its own: the tests' in-memory database
shares one cache, whose locks do not wait at all, unlike a deployment's file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from django.db import connection

SCRIPT = textwrap.dedent(
    """
    import sqlite3, threading, time
    import django
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import OperationalError, connection
    call_command("migrate", verbosity=0)
    from xueji.exchange import export_jobs, exports
    from xueji.exchange.models import ExportJob
    from xueji.org.models import Jurisdiction, Role, User

    district = Jurisdiction.objects.create(code="410503", name="北关区", level="district")
    officer = User.objects.create_user(
        username="officer", password="x" * 12, role=Role.DISTRICT_OFFICER, jurisdiction=district
    )
    job = export_jobs.export_job_create(actor=officer, filters=exports.StudentFilters(), layout="list")
    path = settings.DATABASES["default"]["NAME"]
    held = threading.Event()

    def another_writer(seconds):
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    # The lock is real: a page's write (1 second's patience here) fails while it is held ...
    writer = threading.Thread(target=another_writer, args=(3,))
    writer.start(); held.wait()
    try:
        ExportJob.objects.filter(pk=job.pk).update(summary="x")
        print("page write: passed")
    except OperationalError:
        print("page write: locked")
    writer.join(); held.clear()

    # ... and the export job, started while it is held, waits and finishes.
    writer = threading.Thread(target=another_writer, args=(3,))
    writer.start(); held.wait()
    job = export_jobs.export_job_run(job.pk)
    writer.join()
    print("export:", job.state)
    """
)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's locks; the run on SQLite proves it")
def test_an_export_job_waits_for_another_writer_on_sqlite(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "XUEJI_ENV": "test",
        "XUEJI_DATA_DIR": str(tmp_path),
        "XUEJI_SQLITE_TIMEOUT": "1",
        "XUEJI_JOB_RUNNER": "inline",
        "DJANGO_SETTINGS_MODULE": "xueji.settings",
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == ["page write: locked", "export: done"], done.stdout
